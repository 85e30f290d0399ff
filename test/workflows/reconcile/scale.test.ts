import { Ledger } from '../../../tasks/response/ledger';
import {
  MEMBER,
  PORT_PROBE,
  REGION,
  type ResponseHarness,
  startResponseHarness,
  until,
} from '../response/harness';

/**
 * The reconciler's work at scale, pinned in calls (not seconds): it reads what is active or ended
 * recently through the ledger's index, one batched DescribeNetworkAcls per account-region, and
 * the history of old blocks costs it nothing.
 */
const OTHER_REGIONS = ['us-east-1', 'eu-central-1'];

/** Every response has blocked and waits for its expiry: nothing else calls AWS meanwhile. */
async function blocked(h: ResponseHarness, executions: number) {
  await h.advance(0);
  await until(() => h.clock.pending === executions && h.warden.runtime.activeTasks === 0);
}

async function reconcile(h: ResponseHarness, input: Record<string, unknown> = {}) {
  const from = h.warden.world.cloud.calls.length;
  const started = h.warden.runtime.start(h.warden.stateMachines.reconcile, input);
  const done = await h.warden.runtime.waitFor(started.executionArn);
  expect(done.status).toBe('SUCCEEDED');
  const calls = h.warden.world.cloud.calls.slice(from);
  const count = (operation: string) => calls.filter((c) => c.operation === operation).length;
  const history = h.warden.runtime.store.history(started.executionArn);
  return {
    report: JSON.parse(done.output!).report,
    count,
    calls,
    invocations: history.filter((e) => e.type === 'LambdaFunctionScheduled').length,
  };
}

/** Audit records of blocks that ended long ago, in NACLs nobody blocks in any more. */
async function writeOldHistory(h: ResponseHarness, blocks: number) {
  const ledger = new Ledger(h.warden.deps);
  for (let i = 0; i < blocks; i++) {
    await ledger.putRecord({
      account: MEMBER,
      region: i % 2 ? REGION : 'us-east-1',
      naclId: `acl-0ld${String(i).padStart(13, '0')}`,
      blockId: `old-${i}`,
      cidr: `198.51.100.${(i % 250) + 1}/32`,
      ruleNumber: 10,
      findingId: `finding-${i}`,
      executionArn: `arn:aws:states:${REGION}:222222222222:execution:warden-response:old-${i}`,
      createdAt: '2025-06-01T10:00:00.000Z',
      expiresAt: '2025-06-01T11:00:00.000Z',
      dryRun: false,
      removedAt: '2025-06-01T11:00:05.000Z',
      removal: 'EXPIRED_REMOVED',
    });
  }
}

/** Rows for NACLs in other regions of the member that no longer exist (report only: left as they are). */
async function claimElsewhere(h: ResponseHarness) {
  const ledger = new Ledger(h.warden.deps);
  for (const [i, region] of OTHER_REGIONS.entries()) {
    await ledger.claim({
      account: MEMBER,
      region,
      naclId: `acl-0e1sewhere00000${i}`,
      cidr: `192.0.2.${i + 10}/32`,
      ruleNumber: 7,
      blockId: `elsewhere-${i}`,
      state: 'ACTIVE',
      findingId: `finding-elsewhere-${i}`,
      executionArn: `arn:aws:states:${REGION}:222222222222:execution:warden-response:elsewhere-${i}`,
      createdAt: '2026-03-01T09:00:00.000Z',
      expiresAt: '2026-03-01T12:00:00.000Z',
    });
  }
}

describe('the reconciler at scale', () => {
  let h: ResponseHarness;
  afterEach(() => h?.stop());

  it('makes the same calls with 300 old blocks in the ledger as with none: it queries, never scans', async () => {
    h = await startResponseHarness({ subnets: 3 });
    for (let i = 0; i < 3; i++)
      await h.deliver({ ...PORT_PROBE, id: `f-${i}`, remoteIp: `203.0.113.${i + 1}` });
    await blocked(h, 3);
    const before = await reconcile(h, { reportOnly: true });

    await writeOldHistory(h, 300);
    const after = await reconcile(h, { reportOnly: true });

    // The member role's credentials from the first run are still valid in the second.
    const ofWork = (calls: { service: string; operation: string }[]) =>
      calls
        .map((c) => `${c.service}:${c.operation}`)
        .filter((c) => c !== 'sts:AssumeRole')
        .sort();
    expect(ofWork(after.calls)).toEqual(ofWork(before.calls));
    expect(after.count('Scan')).toBe(0);
    expect(after.count('Query')).toBe(2);
    // Three NACLs of one account-region: one batched read.
    expect(after.count('DescribeNetworkAcls')).toBe(1);
    expect(after.report.naclsChecked).toBe(3);
    expect(after.report.driftCount).toBe(0);
  });

  it('reads one batch per account-region with active blocks, so its calls grow with them', async () => {
    h = await startResponseHarness({ subnets: 2, regions: [REGION, ...OTHER_REGIONS] });
    await h.deliver({ ...PORT_PROBE, remoteIp: '203.0.113.5' });
    await blocked(h, 1);
    const one = await reconcile(h, { reportOnly: true });
    await claimElsewhere(h);
    const three = await reconcile(h, { reportOnly: true });

    expect(one.count('DescribeNetworkAcls')).toBe(1);
    expect(three.count('DescribeNetworkAcls')).toBe(1 + OTHER_REGIONS.length);
    expect(three.report.drift).toEqual(
      ['eu-central-1', 'us-east-1'].map((region) => expect.objectContaining({ region, kind: 'NACL_GONE' })),
    );
    expect(three.report.drift.every((d: { repaired?: string }) => d.repaired === undefined)).toBe(true);
  });

  it('continues where an invocation stopped: the same result over several invocations', async () => {
    h = await startResponseHarness({ regions: [REGION, ...OTHER_REGIONS] });
    await h.deliver({ ...PORT_PROBE, remoteIp: '203.0.113.6' });
    await blocked(h, 1);
    await claimElsewhere(h);

    const whole = await reconcile(h, { reportOnly: true });
    const inSteps = await reconcile(h, { reportOnly: true, accountRegionsPerInvocation: 1 });

    expect(whole.invocations).toBe(1);
    expect(inSteps.invocations).toBe(3);
    expect(inSteps.report.runs).toBe(3);
    expect(inSteps.report.resumeAfter).toBeUndefined();
    const { runs: _a, ...wholeRest } = whole.report;
    const { runs: _b, ...stepsRest } = inSteps.report;
    expect(stepsRest).toEqual(wholeRest);
    expect(inSteps.report.naclsChecked).toBe(3);
  });

  it('retries a throttled page on its own: one invocation, no failure', async () => {
    h = await startResponseHarness();
    await h.deliver({ ...PORT_PROBE, remoteIp: '203.0.113.7' });
    await blocked(h, 1);
    const faults = h.warden.world.cloud.faults;
    faults.failOnCall({
      service: 'ec2',
      operation: 'DescribeNetworkAcls',
      onCall: 1,
      times: 2,
      code: 'RequestLimitExceeded',
      httpStatusCode: 503,
    });
    faults.failOnCall({
      service: 'dynamodb',
      operation: 'Query',
      onCall: 1,
      code: 'ThrottlingException',
      httpStatusCode: 400,
    });

    const run = await reconcile(h, { reportOnly: true });

    expect(run.invocations).toBe(1);
    expect(run.count('DescribeNetworkAcls')).toBe(3);
    expect(
      run.calls
        .filter((c) => c.error)
        .map((c) => c.error)
        .sort(),
    ).toEqual(['RequestLimitExceeded', 'RequestLimitExceeded', 'ThrottlingException']);
    expect(run.report.naclsChecked).toBe(1);
  });
});
