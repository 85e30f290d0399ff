import { MAX_PAYLOAD_BYTES } from '../../runtime/limits';
import { NACL_VIEW_BUDGET_BYTES } from '../../tasks/response/block-addresses';
import { MAX_PAIRS_PER_FINDING } from '../../tasks/response/triage';
import {
  decide,
  fullLengthIpv6Addresses,
  portProbeOnEverySubnet,
  type ResponseHarness,
  recordedPayloads,
  startNearFullHarness,
  untilWaitingForExpiry,
} from '../workflows/response/harness';

/**
 * The response workflow's largest state, measured on the deployed local runtime and held against
 * a bound computed from the limits that shape it.
 *
 * The case: a port probe from 100 addresses (the most a triage carries) against an instance with
 * an interface in each of 20 subnets, each subnet with its own NACL filled with customer entries
 * up to the quota of 20 inbound rules in each family (IPv4 and IPv6, each with its default deny).
 * The addresses are IPv6 written at full length, the longest text an address has. The finding
 * needs approval, is updated while blocked (the block is extended), and is lifted.
 *
 * The bound: every state of the execution, with each array that a limit caps counted at that
 * limit (160 pairs, 100 addresses, the NACLs), every item as large as the largest seen, and the
 * NACL listings at their budget. Step
 * Functions allows 262,144 bytes of UTF-8 per state input or output and task payload (Step
 * Functions service quotas).
 *
 * The NACL listings (each changed NACL before and after) grow with NACLs × entries; they stop at
 * NACL_VIEW_BUDGET_BYTES, so the bound no longer grows with the NACLs a finding reaches
 * (50 NACLs near full: nacl-views.test.ts).
 */
const NACLS = 20;
const QUOTA = 20;
const ATTACKERS = 100;
/**
 * Addresses acted on. The bound counts the full 160 pairs (40 addresses in 4 subnets, 8 in 20)
 * with every result as large as the largest seen, so the run acts on 2 per NACL: 40 pairs keep
 * the test economical and show every shape a result takes.
 */
const ACTING = 2;
/** Inbound entries a NACL lists: both families, each up to the quota (its default deny included). */
const ENTRIES_PER_NACL = 2 * QUOTA;
/** The longest entry text describeEntries writes: `rule action protocol cidr`. */
const LONGEST_ENTRY = `32766 allow proto 255 ${'ffff:'.repeat(7)}ffff/128`;

/** Arrays a limit caps, by field name: how many items they may hold at most. */
const LIMITS: Record<string, number> = {
  addresses: 100, // TriageSchema: addresses.max(100); the approval request's are fewer
  targets: 50, // TriageSchema: targets.max(50)
  nacls: NACLS, // one NACL per target subnet at most
  owned: MAX_PAIRS_PER_FINDING,
  lifted: MAX_PAIRS_PER_FINDING,
  before: ENTRIES_PER_NACL,
  after: ENTRIES_PER_NACL,
};

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** `limit` items, each as large as the largest of `sizes`, in a JSON array. */
function capped(sizes: number[], limit: number): number {
  if (sizes.length > limit) throw new Error(`${sizes.length} items where the limit is ${limit}`);
  return 2 + limit * Math.max(0, ...sizes) + Math.max(0, limit - 1);
}

/** An upper bound on the UTF-8 bytes `value` could have under the limits above. */
function stateBound(value: unknown, key = ''): number {
  if (Array.isArray(value)) {
    if (key === 'before' || key === 'after') return capped([bytes(LONGEST_ENTRY)], LIMITS[key]!);
    if (key === 'results') {
      // Pair results: one per (address, NACL) pair, each as large as the largest one without its
      // NACL listing; the first of each changed NACL carries its before/after lists, all of them
      // together within NACL_VIEW_BUDGET_BYTES, or the mark that they were left out.
      const results = value as Record<string, unknown>[];
      const plain = results.map(({ before: _b, after: _a, viewOmitted: _o, ...rest }) => stateBound(rest));
      const views = Math.min(NACLS, MAX_PAIRS_PER_FINDING);
      const perView = Math.max(bytes(',"before":,"after":'), bytes(',"viewOmitted":"STATE_SIZE"'));
      return (
        2 +
        MAX_PAIRS_PER_FINDING * Math.max(0, ...plain) +
        (MAX_PAIRS_PER_FINDING - 1) +
        NACL_VIEW_BUDGET_BYTES +
        views * perView
      );
    }
    const sizes = value.map((item) => stateBound(item));
    const limit = LIMITS[key];
    if (limit !== undefined) return capped(sizes, limit);
    return 2 + sizes.reduce((a, b) => a + b, 0) + Math.max(0, sizes.length - 1);
  }
  if (value && typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return (
      2 +
      fields.reduce((sum, [k, v]) => sum + bytes(k) + 1 + stateBound(v, k), 0) +
      Math.max(0, fields.length - 1)
    );
  }
  return bytes(value ?? null);
}

describe('the response workflow’s largest state, 20 NACLs near full', () => {
  let h: ResponseHarness;
  afterEach(() => h?.stop());

  it('stays under the bound computed from its limits, and the bound under 256 KiB', async () => {
    // Each NACL near full: IPv4 up to the quota, IPv6 up to the quota less room for Warden's denies.
    h = await startNearFullHarness({ nacls: NACLS, quota: QUOTA, acting: ACTING });
    const finding = portProbeOnEverySubnet(h, fullLengthIpv6Addresses(ATTACKERS), {
      id: 'widest-probe',
      severity: 5,
    });

    // Approval, block, an update that extends the block, and the lift.
    const intake = await h.deliver({ ...finding, count: 1 });
    const arn = intake.executionArn!;
    expect(intake.decision).toBe('BLOCK_WITH_APPROVAL');
    await h.advance(0);
    await decide(h, arn, 'approve');
    await untilWaitingForExpiry(h, arn);
    await h.advance(30);
    const again = await h.deliver({ ...finding, count: 2, updatedAt: '2026-03-01T10:40:00.000Z' } as never);
    expect(again.outcome).toBe('EXTENDED');
    await h.advance(200);
    const record = await h.warden.runtime.waitFor(arn);

    expect(record.status).toBe('SUCCEEDED');
    const output = JSON.parse(record.output!) as {
      block: {
        results: { outcome: string; before?: string[]; viewOmitted?: string }[];
        lifted: unknown[];
        owned: unknown[];
      };
    };
    expect(output.block.results.filter((r) => r.outcome === 'BLOCKED')).toHaveLength(ACTING * NACLS);
    // Every changed NACL is listed, or marked as left out once the listings reach their budget.
    expect(output.block.results.filter((r) => r.before || r.viewOmitted)).toHaveLength(NACLS);
    expect(output.block.lifted).toHaveLength(ACTING * NACLS);
    expect(output.block.owned).toHaveLength(0);

    const payloads = recordedPayloads(h, arn);
    const peak = Math.max(...payloads.map((p) => Buffer.byteLength(p, 'utf8')));
    const bound = Math.max(...payloads.map((p) => stateBound(JSON.parse(p))));
    expect(peak).toBeLessThanOrEqual(bound);
    expect(bound).toBeLessThan(MAX_PAYLOAD_BYTES);
  }, 900_000);
});
