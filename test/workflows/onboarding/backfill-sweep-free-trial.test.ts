import { DisassociateMembersCommand, GuardDutyClient } from '@aws-sdk/client-guardduty';
import { afterEach, describe, expect, it } from '@jest/globals';
import { backfill, waitForExecutions } from '../../../runtime/onboarding-runner';
import { type Harness, makeConfig, onboard, SECURITY, startHarness } from './harness';

const FOUR_REGIONS = ['eu-west-1', 'eu-central-1', 'us-east-1', 'ap-southeast-2'];
let h: Harness;
afterEach(async () => h?.warden.stop());

/** One tick of the workflow's schedule: Scheduler starts it with the schedule's role and input. */
async function runOnce(stateMachine: 'sweep' | 'free-trial') {
  const { executionArn } = await h.warden.runSchedule(stateMachine);
  const [record] = await waitForExecutions(h.warden, [executionArn]);
  return record!;
}

describe('backfill', () => {
  it('onboards 200 accounts in 4 regions in executions of at most 50 accounts', async () => {
    h = await startHarness({ config: makeConfig({ regions: FOUR_REGIONS }), memberCount: 200 });

    const result = await backfill(h.warden);

    expect(result.executions).toHaveLength(4);
    expect(result.failedExecutions).toEqual([]);
    expect(result.summaries).toHaveLength(200);
    expect(result.summaries.every((s) => s.result === 'ONBOARDED' && s.counts.enabled === 4)).toBe(true);
    const batchCalls = h.warden.world.cloud.calls.filter((c) => c.operation === 'CreateMembers');
    expect(batchCalls).toHaveLength(4 * 4);
    expect(h.warden.world.services.sns.outboxFor(h.warden.topicArn)).toHaveLength(200);
  }, 60_000);
});

describe('drift sweep', () => {
  it('finds a member removed by hand and repairs it with the onboarding steps', async () => {
    h = await startHarness({ memberCount: 3 });
    await onboard(h, { trigger: 'cli', accounts: h.members.map((m) => m.id) });
    const region = 'us-east-1';
    const admin = h.warden.deps.clients.client(GuardDutyClient, { account: SECURITY, region });
    await admin.send(
      new DisassociateMembersCommand({
        DetectorId: h.warden.world.services.guardduty.detectorId(SECURITY, region),
        AccountIds: ['300000000002'],
      }),
    );
    expect(h.warden.world.services.guardduty.relationship(SECURITY, '300000000002', region)).toBe('Removed');
    h.warden.world.services.sns.clearOutbox();

    const record = await runOnce('sweep');

    expect(record.status).toBe('SUCCEEDED');
    const output = JSON.parse(record.output!);
    expect(output).toMatchObject({ hasDrift: true, driftedAccountRegions: 1, driftedAccounts: 1 });
    expect(output.repairs).toHaveLength(1);
    const [repair] = await waitForExecutions(h.warden, output.repairs);
    expect(repair!.status).toBe('SUCCEEDED');
    expect(JSON.parse(repair!.input).drift).toEqual([
      { accountId: '300000000002', region, status: 'Removed' },
    ]);
    expect(h.warden.world.services.guardduty.relationship(SECURITY, '300000000002', region)).toBe('Enabled');
    const drift = h.warden.world.services.sns
      .outboxFor(h.warden.topicArn)
      .filter((m) => m.attributes.category === 'DRIFT');
    expect(drift).toHaveLength(1);
    expect(drift[0]!.message).toContain('Repaired: 1. Needs attention: 0.');
    // The shape of every Warden message: a chat payload beside the text, lists of accounts and regions.
    expect(drift[0]!.messageStructure).toBe('json');
    expect(JSON.parse(JSON.parse(drift[0]!.message).https)).toMatchObject({
      source: 'custom',
      metadata: { eventType: 'DRIFT' },
    });
    expect(drift[0]!.attributes).toEqual({
      category: 'DRIFT',
      severity: 'INFO',
      account: JSON.stringify(['300000000002']),
      region: JSON.stringify([region]),
    });
  });

  it('reports nothing and changes nothing when every member is Enabled as configured', async () => {
    h = await startHarness({ memberCount: 2 });
    await onboard(h, { trigger: 'cli', accounts: h.members.map((m) => m.id) });
    h.warden.world.cloud.resetCalls();
    h.warden.world.services.sns.clearOutbox();

    const record = await runOnce('sweep');

    expect(JSON.parse(record.output!)).toMatchObject({ hasDrift: false });
    expect(h.warden.world.cloud.count({ service: 'guardduty', mutating: true })).toBe(0);
    expect(h.warden.world.services.sns.outboxFor(h.warden.topicArn)).toHaveLength(0);
  });
});

describe('free-trial watch', () => {
  it('notifies once for an account whose free-trial days fall below the threshold', async () => {
    h = await startHarness({ memberCount: 3 });
    await onboard(h, { trigger: 'cli', accounts: h.members.map((m) => m.id) });
    h.warden.world.services.guardduty.setFreeTrialDays({
      account: '300000000003',
      region: 'eu-west-1',
      days: 2,
    });
    h.warden.world.services.sns.clearOutbox();

    const record = await runOnce('free-trial');

    expect(record.status).toBe('SUCCEEDED');
    const messages = h.warden.world.services.sns.outboxFor(h.warden.topicArn);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.attributes).toMatchObject({
      category: 'FREE_TRIAL_ENDING',
      account: JSON.stringify(['300000000003']),
      region: JSON.stringify(['eu-west-1']),
    });
    expect(messages[0]!.message).toContain('300000000003 in eu-west-1: S3_DATA_EVENTS has 2 day(s) left');
    expect(messages[0]!.messageStructure).toBe('json');
    expect(messages[0]!.subject).toBe('Warden: GuardDuty free trial ending for 1 account(s)');
  });

  it('stays quiet while every account has more days left than the threshold', async () => {
    h = await startHarness({ memberCount: 2 });
    await onboard(h, { trigger: 'cli', accounts: h.members.map((m) => m.id) });
    h.warden.world.services.sns.clearOutbox();

    const record = await runOnce('free-trial');

    expect(JSON.parse(record.output!).notification).toEqual({ published: false, ending: 0 });
    expect(h.warden.world.services.sns.outboxFor(h.warden.topicArn)).toHaveLength(0);
  });
});
