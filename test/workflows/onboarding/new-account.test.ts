import { afterEach, describe, expect, it } from '@jest/globals';
import { startOnboarding } from '../../../runtime/onboarding-runner';
import {
  finish,
  type Harness,
  MEMBER,
  makeConfig,
  makeControlTowerEvent,
  memberFeatures,
  onboard,
  outputOf,
  REGIONS,
  SECURITY,
  startHarness,
} from './harness';

let h: Harness;
afterEach(async () => h?.warden.stop());

describe.each(['invitation', 'organization'] as const)(
  'onboarding a new Control Tower account in %s mode',
  (mode) => {
    it('makes the account an Enabled member in every region, with the configured features, and notifies once', async () => {
      h = await startHarness({
        config: makeConfig({ mode, onboarding: { features: { runtimeMonitoring: true } } }),
      });

      const record = await onboard(h, makeControlTowerEvent({ accountId: MEMBER }));

      expect(record.status).toBe('SUCCEEDED');
      const gd = h.warden.world.services.guardduty;
      for (const region of REGIONS) {
        expect(gd.relationship(SECURITY, MEMBER, region)).toBe('Enabled');
        expect(await memberFeatures(h, MEMBER, region)).toMatchObject({
          RUNTIME_MONITORING: 'ENABLED',
          S3_DATA_EVENTS: 'ENABLED',
        });
      }
      expect(outputOf(record).summaries[0]).toMatchObject({
        accountId: MEMBER,
        result: 'ONBOARDED',
        counts: { enabled: 2, alreadyEnabled: 0, skipped: 0, failed: 0 },
      });
      const messages = h.warden.world.services.sns.outboxFor(h.warden.topicArn);
      expect(messages).toHaveLength(1);
      expect(messages[0]!.attributes).toEqual({
        category: 'ONBOARDING_RESULT',
        severity: 'INFO',
        account: JSON.stringify([MEMBER]),
        region: JSON.stringify(REGIONS),
      });
      expect(messages[0]!.message).toContain(`Account ${MEMBER} (member-01) is a GuardDuty member`);
    });
  },
);

describe('onboarding history and idempotency', () => {
  it('records the steps as sentences in the execution history, in order', async () => {
    h = await startHarness();

    const record = await onboard(h, makeControlTowerEvent({ accountId: MEMBER }));

    const entered = h.warden.runtime.store
      .history(record.executionArn)
      .filter((e) => /StateEntered$/.test(e.type))
      .map((e) => (e.stateEnteredEventDetails as { name: string }).name);
    const firstOf = (name: string) => entered.indexOf(name);
    const steps = [
      'Read the onboarding request',
      'Describe the account',
      'Plan the work per region',
      "Ensure the administrator's detector",
      "Read the members' current status",
      "Ensure the member's detector",
      'Add the accounts as members',
      'Invite the members without e-mail',
      'Accept the invitation in the member account',
      'Check that the members are Enabled',
      'Apply the protection features',
      'Summarise the results per account',
      "Publish the account's onboarding result",
    ];
    for (const step of steps) expect(entered).toContain(step);
    expect(steps.map(firstOf)).toEqual([...steps.map(firstOf)].sort((a, b) => a - b));
  });

  it('makes no mutating GuardDuty call when run again for an onboarded account', async () => {
    h = await startHarness();
    await onboard(h, { trigger: 'cli', accounts: [MEMBER] });
    h.warden.world.cloud.resetCalls();
    h.clock.advance(1000);

    const again = await onboard(h, { trigger: 'cli', accounts: [MEMBER] });

    expect(again.status).toBe('SUCCEEDED');
    expect(h.warden.world.cloud.count({ service: 'guardduty', mutating: true })).toBe(0);
    expect(outputOf(again).summaries[0].counts).toEqual({
      enabled: 0,
      alreadyEnabled: 2,
      skipped: 0,
      failed: 0,
    });
  });

  it('starts one execution for two deliveries of the same Control Tower event', async () => {
    h = await startHarness();
    const event = makeControlTowerEvent({ accountId: MEMBER, eventId: 'dup' });
    const now = new Date(h.clock.now());

    const first = startOnboarding(h.warden.runtime, h.arn, event, now);
    const second = startOnboarding(h.warden.runtime, h.arn, structuredClone(event), now);
    await finish(h, first.executionArn);
    const third = startOnboarding(
      h.warden.runtime,
      h.arn,
      structuredClone(event),
      new Date(now.getTime() + 60_000),
    );

    expect(first.duplicate).toBe(false);
    expect([second, third]).toEqual([
      { executionArn: first.executionArn, duplicate: true },
      { executionArn: first.executionArn, duplicate: true },
    ]);
    expect(h.warden.runtime.list(h.arn)).toHaveLength(1);
    expect(h.warden.world.services.sns.outboxFor(h.warden.topicArn)).toHaveLength(1);
  });
});
