import { MAX_PAYLOAD_BYTES } from '../../runtime/limits';
import { NACL_VIEW_BUDGET_BYTES } from '../../tasks/response/block-addresses';
import type { PairResult } from '../../tasks/response/contract';
import {
  deliverBlockOnEverySubnet,
  fullLengthIpv6Addresses,
  historyOf,
  largestPayloadBytes,
  type ResponseHarness,
  startNearFullHarness,
} from '../workflows/response/harness';

/**
 * The widest block config allows: an instance with an interface in each of 50 subnets, each with
 * its own NACL filled with customer entries up to the quota, and 3 attackers (150 pairs of the
 * 160 a finding may act on). Listing every changed NACL before and after would take the block
 * task's result past Step Functions' 256 KiB, after the entries exist; the listings stop at their
 * budget and the NACLs past it are marked instead.
 */
const NACLS = 50;
const QUOTA = 20;
const ATTACKERS = 3;

describe('the block task’s NACL listings, 50 NACLs near full', () => {
  let h: ResponseHarness;
  afterEach(() => h?.stop());

  it('keep within their budget, mark the NACLs past it, and the execution within 256 KiB', async () => {
    h = await startNearFullHarness({ nacls: NACLS, quota: QUOTA, acting: ATTACKERS });
    const attackers = fullLengthIpv6Addresses(ATTACKERS);
    const intake = await deliverBlockOnEverySubnet(h, attackers, { id: 'widest-block', severity: 8 });
    expect(intake.decision).toBe('BLOCK_AUTO');
    const arn = intake.executionArn!;

    const history = historyOf(h.warden, arn);
    expect(history.map((e) => e.type)).not.toContain('ExecutionFailed');
    const exited = history
      .filter((e) => e.type === 'TaskStateExited')
      .map((e) => e.stateExitedEventDetails as { name: string; output: string })
      .find((d) => d.name === 'Block the addresses in the network ACLs');
    const state = JSON.parse(exited!.output) as { block: { results: PairResult[] } };
    const results = state.block.results;
    expect(results.filter((r) => r.outcome === 'BLOCKED')).toHaveLength(ATTACKERS * NACLS);
    const listed = results.filter((r) => r.before);
    const omitted = results.filter((r) => r.viewOmitted === 'STATE_SIZE');
    expect(listed.length + omitted.length).toBe(NACLS);
    expect(omitted.length).toBeGreaterThan(0);
    const listing = listed.reduce(
      (sum, r) => sum + Buffer.byteLength(JSON.stringify(r.before) + JSON.stringify(r.after), 'utf8'),
      0,
    );
    expect(listing).toBeLessThanOrEqual(NACL_VIEW_BUDGET_BYTES);
    expect(largestPayloadBytes(h, arn)).toBeLessThan(MAX_PAYLOAD_BYTES);
  }, 900_000);
});
