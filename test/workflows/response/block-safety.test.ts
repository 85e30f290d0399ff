import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { ReplyLostRule } from '../../../runtime/sandbox/faults';
import { type SfnEndpoint, startSfnEndpoint } from '../../../runtime/sfn-endpoint';
import { blockAddresses, blockAddressesTask } from '../../../tasks/response/block-addresses';
import { type BlockState, type TriageInput, TriageSchema } from '../../../tasks/response/contract';
import { Ledger } from '../../../tasks/response/ledger';
import { liftExpiredBlocks } from '../../../tasks/response/lift-expired-blocks';
import type { TriageResult } from '../../../tasks/response/triage';
import { runTask } from '../../../tasks/shared/task';
import type { FindingOptions } from '../../fixtures/findings';
import {
  addEntryByHand,
  REGION,
  type ResponseHarness,
  recordPortProbe,
  startResponseHarness,
} from './harness';

/** What the block task runs with: its own function's role and environment. */
const blockDeps = (h: ResponseHarness) => h.warden.functionDeps('BlockAddresses');

const INSTANCE_PUBLIC_IP = '203.0.113.10';

/** Records a finding as the intake does, and returns its triage. */
async function recordFinding(h: ResponseHarness, options: FindingOptions): Promise<TriageInput> {
  // The triage travels as JSON: the task's contract reads it as a plain record.
  return TriageSchema.parse((await recordPortProbe(h, options)).triage);
}

/** A triage no intake would write: the whole Internet, the instance itself, and no dry run. */
function madeUp(triage: TriageInput): TriageInput {
  const fake = (address: string, cidr: string) => ({
    address,
    cidr,
    action: 'BLOCK' as const,
    reason: 'POLICY_BLOCK_AUTO' as const,
    source: 'PORT_PROBE' as const,
  });
  return {
    ...triage,
    decision: 'BLOCK_AUTO',
    dryRun: false,
    dryRunReasons: [],
    addresses: [
      fake('0.0.0.0', '0.0.0.0/0'),
      fake('::', '::/0'),
      fake(INSTANCE_PUBLIC_IP, `${INSTANCE_PUBLIC_IP}/32`),
      fake('10.0.1.10', '10.0.1.10/32'),
      ...triage.addresses,
    ],
  };
}

function denies(h: ResponseHarness): string[] {
  return h.network.naclIds.flatMap((id) =>
    h.warden.world.services.ec2
      .entries(id)
      .filter((e) => !e.Egress && e.RuleAction === 'deny' && e.RuleNumber! <= 90)
      .map((e) => `${id} ${e.RuleNumber} ${e.CidrBlock ?? e.Ipv6CidrBlock}`),
  );
}

async function ledgerRows(h: ResponseHarness) {
  return (await new Ledger(h.warden.deps).allActive()).map((r) => `${r.naclId} ${r.ruleNumber} ${r.cidr}`);
}

/**
 * The block task's first attempt fails as transient (`failure` names how), as a fault makes it;
 * the workflow retries it, and this returns the retry's state.
 */
async function blockRetriedAfterTransientFailure(
  h: ResponseHarness,
  input: { triage: TriageInput; executionArn: string },
  failure: Record<string, unknown> = {},
): Promise<BlockState> {
  await expect(blockAddresses(input, blockDeps(h))).rejects.toMatchObject({
    name: 'TransientAwsError',
    ...failure,
  });
  return blockAddresses(input, blockDeps(h));
}

/**
 * Records the finding, loses the reply to the first `fault.operation` call after that (the call
 * takes effect, its caller sees a failure), and returns the block task's state once its first
 * attempt failed as transient (`failure` says how) and its retry ran, with the call that lost it.
 */
async function blockRetriedAfterLostReply(
  h: ResponseHarness,
  finding: FindingOptions,
  fault: Pick<ReplyLostRule, 'service' | 'operation' | 'as'>,
  failure: Record<string, unknown> = {},
) {
  const triage = await recordFinding(h, finding);
  const before = h.warden.world.cloud.calls.length;
  h.warden.world.cloud.faults.replyLost({ ...fault, onCall: 1 });
  const state = await blockRetriedAfterTransientFailure(h, { triage, executionArn: EXECUTION_A }, failure);
  const lost = h.warden.world.cloud.calls.slice(before).find((c) => c.operation === fault.operation);
  return { state, lost };
}

/** The one address is blocked by exactly one deny, and the ledger names that entry and no other. */
async function expectOneEntryBlocked(h: ResponseHarness, state: BlockState): Promise<void> {
  expect(state.results[0]!.outcome).toBe('BLOCKED');
  expect(denies(h)).toHaveLength(1);
  expect(await ledgerRows(h)).toEqual(denies(h));
}

describe('verify at the point of action (defect 1)', () => {
  let h: ResponseHarness;
  let endpoint: SfnEndpoint | undefined;
  let sfn: SFNClient | undefined;
  afterEach(async () => {
    sfn?.destroy();
    await endpoint?.close();
    sfn = undefined;
    endpoint = undefined;
    await h?.stop();
  });

  async function startThroughEndpoint(input: unknown, name: string) {
    endpoint = endpoint ?? (await startSfnEndpoint(h.warden.runtime));
    sfn =
      sfn ??
      new SFNClient({
        endpoint: endpoint.url,
        region: REGION,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 1,
      });
    const out = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: h.warden.stateMachines.response,
        name,
        input: JSON.stringify(input),
      }),
    );
    await h.advance(0);
    return out.executionArn!;
  }

  it('creates nothing for a made-up triage started through the Step Functions endpoint when config says dry-run', async () => {
    h = await startResponseHarness({ response: { mode: 'dry-run' } });
    const triage = await recordFinding(h, { id: 'real-finding', remoteIp: '198.51.100.40' });

    const record = await h.warden.runtime.waitFor(
      await startThroughEndpoint(
        { finding: { id: 'real-finding' }, triage: madeUp(triage) },
        'made-up-dry-run',
      ),
    );

    expect(record.status).toBe('SUCCEEDED');
    expect(denies(h)).toEqual([]);
    expect(await ledgerRows(h)).toEqual([]);
    // The block task's result carries Warden's own decision, not the input's.
    const output = JSON.parse(record.output!) as { block: BlockState & { triage: TriageResult } };
    expect(output.block.triage.dryRun).toBe(true);
    expect(output.block.results.every((r) => r.outcome === 'DRY_RUN')).toBe(true);
  });

  it('in enforce mode re-decides the real finding: only its attacker is denied, as a host route', async () => {
    h = await startResponseHarness();
    const triage = await recordFinding(h, { id: 'real-finding', remoteIp: '198.51.100.41' });

    const executionArn = await startThroughEndpoint(
      { finding: { id: 'real-finding' }, triage: madeUp(triage) },
      'made-up-enforce',
    );

    // It waits for the block's expiry now.
    expect(h.warden.runtime.describe(executionArn).status).toBe('RUNNING');
    expect(denies(h).map((d) => d.split(' ')[2])).toEqual(['198.51.100.41/32']);
  });

  it('refuses an execution whose finding the intake never recorded, and changes nothing', async () => {
    h = await startResponseHarness();
    const triage = await recordFinding(h, { id: 'real-finding', remoteIp: '198.51.100.42' });

    const record = await h.warden.runtime.waitFor(
      await startThroughEndpoint(
        { finding: { id: 'invented' }, triage: { ...madeUp(triage), findingId: 'invented' } },
        'invented-finding',
      ),
    );

    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('UnverifiableInput');
    expect(denies(h)).toEqual([]);
  });

  it('the block task itself refuses what the recorded finding and config do not allow, whatever its input says', async () => {
    h = await startResponseHarness();
    const triage = await recordFinding(h, { id: 'direct', remoteIp: '198.51.100.43' });

    const state = (await runTask(
      blockAddressesTask,
      {
        triage: madeUp(triage),
        executionArn: 'arn:aws:states:eu-west-1:222222222222:execution:warden-response:x',
      },
      blockDeps(h),
    )) as BlockState;

    expect(denies(h).map((d) => d.split(' ')[2])).toEqual(['198.51.100.43/32']);
    expect(state.refused).toEqual([
      { cidr: '0.0.0.0/0', reason: 'NOT_IN_RECORDED_FINDING' },
      { cidr: '::/0', reason: 'NOT_IN_RECORDED_FINDING' },
      { cidr: `${INSTANCE_PUBLIC_IP}/32`, reason: 'NOT_IN_RECORDED_FINDING' },
      { cidr: '10.0.1.10/32', reason: 'NOT_IN_RECORDED_FINDING' },
    ]);
  });

  it('the block task refuses the instance’s own address even when the recorded finding names it as the attacker', async () => {
    h = await startResponseHarness();
    const triage = await recordFinding(h, { id: 'self', remoteIp: INSTANCE_PUBLIC_IP });

    const state = await blockAddresses(
      {
        triage: madeUp(triage),
        executionArn: 'arn:aws:states:eu-west-1:222222222222:execution:warden-response:y',
      },
      blockDeps(h),
    );

    expect(denies(h)).toEqual([]);
    expect(state.refused).toContainEqual({
      cidr: `${INSTANCE_PUBLIC_IP}/32`,
      reason: 'INSTANCE_OWN_ADDRESS',
    });
  });
});

const EXECUTION_A = 'arn:aws:states:eu-west-1:222222222222:execution:warden-response:a';
const EXECUTION_B = 'arn:aws:states:eu-west-1:222222222222:execution:warden-response:b';

describe('ledger transitions under races and retries', () => {
  let h: ResponseHarness;
  afterEach(async () => {
    jest.restoreAllMocks();
    await h?.stop();
  });

  it('keeps the entry when a new finding extends the block after the lift read its expiry (defect 2)', async () => {
    h = await startResponseHarness({ subnets: 1 });
    const first = await recordFinding(h, { id: 'first', remoteIp: '198.51.100.50' });
    const second = await recordFinding(h, { id: 'second', remoteIp: '198.51.100.50' });
    const blocked = await blockAddresses({ triage: first, executionArn: EXECUTION_A }, blockDeps(h));
    expect(blocked.owned).toHaveLength(1);
    await h.advance(61);
    // The second finding's block lands just after the lift has read the (expired) row.
    const get = Ledger.prototype.get;
    let raced = false;
    jest.spyOn(Ledger.prototype, 'get').mockImplementation(async function (this: Ledger, ref, cidr) {
      const row = await get.call(this, ref, cidr);
      if (!raced) {
        raced = true;
        const joined = await blockAddresses({ triage: second, executionArn: EXECUTION_B }, blockDeps(h));
        expect(joined.results[0]!.outcome).toBe('ALREADY_BLOCKED');
      }
      return row;
    });

    const lifted = await liftExpiredBlocks(
      { findingId: 'first', block: { ...blocked, results: [], lifted: [], missingSubnets: [] } },
      h.warden.functionDeps('LiftExpiredBlocks'),
    );

    expect(raced).toBe(true);
    expect(lifted.owned).toHaveLength(1);
    expect(denies(h).map((d) => d.split(' ')[2])).toEqual(['198.51.100.50/32']);
    expect(await ledgerRows(h)).toHaveLength(1);
  });

  it('a retried evict-oldest finishes its first victim instead of orphaning it and evicting a second (defect 3)', async () => {
    // Quota 4: the default deny, the customer's ALLOW at 100, and two Warden entries.
    h = await startResponseHarness({ subnets: 1, response: { naclRuleQuota: 4, whenFull: 'evict-oldest' } });
    for (const [i, ip] of ['198.51.100.61', '198.51.100.62'].entries()) {
      const triage = await recordFinding(h, { id: `old-${i}`, remoteIp: ip });
      await blockAddresses({ triage, executionArn: `${EXECUTION_A}-${i}` }, blockDeps(h));
      await h.advance(1);
    }
    const triage = await recordFinding(h, { id: 'new', remoteIp: '198.51.100.63' });
    h.warden.world.cloud.faults.failOnCall({
      service: 'ec2',
      operation: 'DeleteNetworkAclEntry',
      onCall: 1,
      code: 'InternalError',
      httpStatusCode: 500,
    });

    const retried = await blockRetriedAfterTransientFailure(h, { triage, executionArn: EXECUTION_B });

    expect(retried.results[0]).toMatchObject({
      outcome: 'EVICTED_OLDEST',
      evicted: { cidr: '198.51.100.61/32' },
    });
    const nacl = denies(h)
      .map((d) => d.split(' ').slice(1).join(' '))
      .sort();
    expect(nacl.map((d) => d.split(' ')[1]).sort()).toEqual(['198.51.100.62/32', '198.51.100.63/32']);
    expect((await ledgerRows(h)).map((r) => r.split(' ').slice(1).join(' ')).sort()).toEqual(nacl);
  });

  it('adopts the entry whose CreateNetworkAclEntry reply was lost, rather than writing a second (defect 4)', async () => {
    // The SDK's own retry repeats the call after the lost reply.
    h = await startResponseHarness({ subnets: 1, maxAttempts: 2 });
    const triage = await recordFinding(h, { id: 'lost-reply', remoteIp: '198.51.100.70' });
    h.warden.world.cloud.faults.replyLost({ service: 'ec2', operation: 'CreateNetworkAclEntry', onCall: 1 });

    const state = await blockAddresses({ triage, executionArn: EXECUTION_A }, blockDeps(h));

    expect(h.warden.world.cloud.calls.filter((c) => c.operation === 'CreateNetworkAclEntry')).toHaveLength(2);
    await expectOneEntryBlocked(h, state);
  });

  it('a retry after a lost reply on the task’s own attempt also ends with one entry (defect 4)', async () => {
    h = await startResponseHarness({ subnets: 1 });

    const { state } = await blockRetriedAfterLostReply(
      h,
      { id: 'lost-reply-2', remoteIp: '198.51.100.71' },
      { service: 'ec2', operation: 'CreateNetworkAclEntry' },
    );

    await expectOneEntryBlocked(h, state);
  });

  it.each([
    ['ec2', 'CreateNetworkAclEntry'],
    ['dynamodb', 'PutItem'],
    ['dynamodb', 'UpdateItem'],
  ])(
    'retries a %s %s whose connection was reset after it committed, and ends with one entry (chaos run 686)',
    async (service, operation) => {
      // A server closing an idle keep-alive connection as the request goes out: no HTTP reply,
      // the SDK's TimeoutError with code ECONNRESET. It must reach the workflow as transient.
      h = await startResponseHarness({ subnets: 1 });

      const { state, lost } = await blockRetriedAfterLostReply(
        h,
        { id: `reset-${operation}`, remoteIp: '198.51.100.72' },
        { service, operation, as: 'connection-reset' },
        { message: expect.stringContaining('TimeoutError: read ECONNRESET') },
      );

      expect(lost?.error).toBe('TimeoutError');
      await expectOneEntryBlocked(h, state);
    },
  );

  it('counts a retried block’s offence once: a first offender is blocked for blockMinutes (defect 7)', async () => {
    h = await startResponseHarness({ subnets: 1 });

    // The offence counter's reply is lost; the task fails and is retried.
    const { state } = await blockRetriedAfterLostReply(
      h,
      { id: 'retried', remoteIp: '198.51.100.80' },
      { service: 'dynamodb', operation: 'UpdateItem' },
    );

    const minutes = (Date.parse(state.owned[0]!.expiresAt) - h.clock.now()) / 60_000;
    expect(minutes).toBe(60);
  });

  it('does not report BLOCKED a deny that a customer ALLOW numbered below it would make useless (defect 11)', async () => {
    h = await startResponseHarness({ subnets: 1, response: { ruleBand: { start: 1, end: 32766 } } });
    addEntryByHand(h, {
      ruleNumber: 1,
      cidr: '198.51.100.0/24',
      action: 'allow',
      protocol: '6',
      ports: { From: 22, To: 22 },
    });
    const triage = await recordFinding(h, { id: 'covered', remoteIp: '198.51.100.90' });

    const state = await blockAddresses({ triage, executionArn: EXECUTION_A }, blockDeps(h));

    expect(state.results[0]!.outcome).toBe('REFUSED_INEFFECTIVE');
    expect(state.owned).toEqual([]);
    expect(denies(h)).toEqual([]);
    expect(await ledgerRows(h)).toEqual([]);
  });

  it('places the deny below a customer ALLOW that covers the address when the band allows it (defect 11)', async () => {
    h = await startResponseHarness({ subnets: 1, response: { ruleBand: { start: 1, end: 32766 } } });
    const triage = await recordFinding(h, { id: 'effective', remoteIp: '198.51.100.91' });

    const state = await blockAddresses({ triage, executionArn: EXECUTION_A }, blockDeps(h));

    expect(state.results[0]!.outcome).toBe('BLOCKED');
    // The scenario's NACL allows everything at rule 100.
    expect(state.results[0]!.ruleNumber).toBeLessThan(100);
  });
});
