import { afterEach, describe, expect, it } from '@jest/globals';
import { waitForExecutions } from '../../../runtime/onboarding-runner';
import { DEFAULT_REGIONS } from '../../../runtime/sandbox/account';
import { batchSizeFor } from '../../../tasks/guardduty/batch-size';
import { enableFleet } from '../../fixtures/enabled-fleet';
import { type Harness, makeConfig, SECURITY, startHarness } from '../onboarding/harness';

/**
 * The sweep and the free-trial watch at organisation scale, pinned in counts: batches of at most
 * the backfill's size, each repair an onboarding of one batch, state that carries references and
 * counts, and a throttled page that costs one more call instead of the batch.
 */
const REGIONS = [...DEFAULT_REGIONS];
const ACCOUNTS = 120;
let h: Harness;
afterEach(async () => h?.warden.stop());

async function run(stateMachine: 'sweep' | 'free-trial') {
  const from = h.warden.world.cloud.calls.length;
  const { executionArn } = h.warden.runtime.start(h.warden.stateMachines[stateMachine]!, {});
  const [record] = await waitForExecutions(h.warden, [executionArn]);
  expect(record!.status).toBe('SUCCEEDED');
  const history = h.warden.runtime.store.history(executionArn);
  const calls = h.warden.world.cloud.calls.slice(from);
  return {
    output: JSON.parse(record!.output!),
    history,
    calls,
    count: (operation: string) => calls.filter((c) => c.operation === operation).length,
    failedInvocations: history.filter((e) => e.type === 'LambdaFunctionFailed').length,
  };
}

async function fleet() {
  h = await startHarness({ config: makeConfig({ regions: REGIONS }), memberCount: ACCOUNTS });
  enableFleet(
    h.warden,
    h.members.map((m) => m.id),
  );
}

describe('the drift sweep in batches', () => {
  it('never puts more accounts in a batch than a backfill execution takes, and repairs each batch on its own', async () => {
    await fleet();
    const size = batchSizeFor(REGIONS.length);
    // Drift in three different batches.
    const drifted = [h.members[3]!.id, h.members[60]!.id, h.members[119]!.id];
    for (const id of drifted)
      h.warden.world.services.guardduty.setRelationship(SECURITY, id, 'ap-south-1', 'Removed');

    const sweep = await run('sweep');

    const batches = Math.ceil(ACCOUNTS / size);
    expect(sweep.output).toMatchObject({
      accounts: ACCOUNTS,
      batches,
      accountRegionsChecked: ACCOUNTS * REGIONS.length,
      driftedAccountRegions: 3,
      driftedAccounts: 3,
      hasDrift: true,
    });
    const repairs = await waitForExecutions(h.warden, sweep.output.repairs);
    expect(repairs).toHaveLength(3);
    for (const repair of repairs) {
      expect(repair.status).toBe('SUCCEEDED');
      const input = JSON.parse(repair.input);
      expect(input.accounts.length).toBeLessThanOrEqual(size);
      expect(input.drift).toHaveLength(1);
    }
    for (const id of drifted)
      expect(h.warden.world.services.guardduty.relationship(SECURITY, id, 'ap-south-1')).toBe('Enabled');
    const reports = h.warden.world.services.sns
      .outboxFor(h.warden.topicArn)
      .filter((m) => m.attributes.category === 'DRIFT');
    expect(reports).toHaveLength(3);
  }, 60_000);

  it('keeps its state and history to references and counts: no list of accounts, one invocation per batch', async () => {
    await fleet();
    const sweep = await run('sweep');

    // One GetMembers call per batch and region: a batch is never split below GuardDuty's 50.
    expect(sweep.count('GetMembers')).toBe(
      Math.ceil(ACCOUNTS / batchSizeFor(REGIONS.length)) * REGIONS.length,
    );
    const largest = Math.max(...sweep.history.map((e) => JSON.stringify(e).length));
    // The largest event is the Map's result: a few counts per batch, never 120 account ids.
    expect(largest).toBeLessThan(2_000);
    expect(JSON.stringify(sweep.history)).not.toContain(h.members[77]!.id);
    const perBatch = sweep.history.filter((e) => e.type === 'LambdaFunctionScheduled').length;
    expect(perBatch).toBe(1 + Math.ceil(ACCOUNTS / batchSizeFor(REGIONS.length)) + 1);
  }, 60_000);

  it('retries a throttled page on its own: the sweep and the free-trial watch finish without a failed invocation', async () => {
    await fleet();
    await run('sweep'); // reads the account list once
    const faults = h.warden.world.cloud.faults;
    faults.failOnCall({
      service: 'guardduty',
      operation: 'GetMembers',
      onCall: 5,
      times: 3,
      code: 'TooManyRequestsException',
      httpStatusCode: 429,
    });
    faults.failOnCall({
      service: 'guardduty',
      operation: 'GetRemainingFreeTrialDays',
      onCall: 2,
      times: 2,
      code: 'TooManyRequestsException',
      httpStatusCode: 429,
    });
    faults.failOnCall({
      service: 'dynamodb',
      operation: 'Query',
      onCall: 2,
      code: 'ThrottlingException',
      httpStatusCode: 400,
    });
    const batches = Math.ceil(ACCOUNTS / batchSizeFor(REGIONS.length));

    const sweep = await run('sweep');
    const watch = await run('free-trial');

    expect(sweep.failedInvocations).toBe(0);
    expect(sweep.count('GetMembers')).toBe(batches * REGIONS.length + 3);
    expect(sweep.output.driftedAccountRegions).toBe(0);
    expect(watch.failedInvocations).toBe(0);
    // The first batch also carries the administrator's own days: 51 accounts, two calls a region.
    expect(watch.count('GetRemainingFreeTrialDays')).toBe((batches + 1) * REGIONS.length + 2);
  }, 60_000);
});

describe('the account list', () => {
  it('is read from Organizations once; later runs read it from the table, kept current by Organizations events', async () => {
    await fleet();
    const first = await run('sweep');
    expect(first.count('ListAccounts')).toBeGreaterThan(0);

    const { recordOrganizationEvent } = await import('../../../tasks/accounts/record-organization-event');
    const leaving = h.members[10]!.id;
    const removed = await recordOrganizationEvent(
      {
        source: 'aws.organizations',
        'detail-type': 'AWS API Call via CloudTrail',
        detail: {
          eventSource: 'organizations.amazonaws.com',
          eventName: 'RemoveAccountFromOrganization',
          requestParameters: { accountId: leaving },
        },
      },
      h.warden.deps,
    );
    expect(removed).toEqual({
      outcome: 'REMOVED',
      eventName: 'RemoveAccountFromOrganization',
      accounts: [leaving],
    });

    const second = await run('sweep');
    expect(second.count('ListAccounts')).toBe(0);
    expect(second.output.accounts).toBe(ACCOUNTS - 1);

    const back = await recordOrganizationEvent(
      {
        source: 'aws.organizations',
        'detail-type': 'AWS Service Event via CloudTrail',
        detail: {
          eventSource: 'organizations.amazonaws.com',
          eventName: 'CreateAccountResult',
          serviceEventDetails: { createAccountStatus: { state: 'SUCCEEDED', accountId: leaving } },
        },
      },
      h.warden.deps,
    );
    expect(back).toEqual({ outcome: 'RECORDED', eventName: 'CreateAccountResult', accounts: [leaving] });
    expect((await run('sweep')).output.accounts).toBe(ACCOUNTS);

    const failed = await recordOrganizationEvent(
      {
        source: 'aws.organizations',
        detail: {
          eventName: 'CreateAccountResult',
          serviceEventDetails: {
            createAccountStatus: { state: 'FAILED', failureReason: 'EMAIL_ALREADY_EXISTS' },
          },
        },
      },
      h.warden.deps,
    );
    expect(failed).toEqual({ outcome: 'IGNORED', reason: 'CreateAccountResult is FAILED' });
    const other = await recordOrganizationEvent({ source: 'aws.guardduty', detail: {} }, h.warden.deps);
    expect(other.outcome).toBe('IGNORED');
  }, 60_000);
});
