/**
 * Chooses the rule number for a new deny entry in Warden's reserved band.
 *
 * NACLs evaluate the lowest number first, so the band sits below the customer's ALLOW rules.
 * The quota counts every inbound entry of the same address family, the default deny included.
 * Concurrent executions start their search at different places in the band (from the block's
 * id), so they rarely pick the same number; when they do, the NACL's own
 * `NetworkAclEntryAlreadyExists` tells the loser to pick again.
 */
export interface EntryView {
  RuleNumber?: number;
  Egress?: boolean;
  CidrBlock?: string;
  Ipv6CidrBlock?: string;
}

export type Allocation =
  | { kind: 'FREE'; ruleNumber: number }
  | { kind: 'QUOTA_FULL'; used: number; quota: number }
  | { kind: 'BAND_FULL'; band: { start: number; end: number } }
  /** Every free number in the band is above an ALLOW that covers the address: a deny there does nothing. */
  | { kind: 'INEFFECTIVE'; allowRule: number };

export function allocateRuleNumber(options: {
  entries: readonly EntryView[];
  band: { start: number; end: number };
  quota: number;
  family: 4 | 6;
  /** Numbers known to be taken though not yet visible in `entries` (earlier collisions). */
  taken?: Iterable<number>;
  /** Spreads concurrent searches over the band. @default 0 */
  seed?: number;
  /**
   * The lowest-numbered inbound ALLOW that covers the address, if any: a deny must be numbered
   * below it to have any effect (rules are evaluated lowest first, first match wins).
   */
  below?: number;
}): Allocation {
  const inbound = options.entries.filter((e) => !e.Egress);
  const sameFamily = inbound.filter(
    (e) => (options.family === 6 ? e.Ipv6CidrBlock : e.CidrBlock) !== undefined,
  );
  if (sameFamily.length >= options.quota)
    return { kind: 'QUOTA_FULL', used: sameFamily.length, quota: options.quota };
  const used = new Set<number>([...inbound.map((e) => e.RuleNumber ?? -1), ...(options.taken ?? [])]);
  const end = options.below === undefined ? options.band.end : Math.min(options.band.end, options.below - 1);
  const size = end - options.band.start + 1;
  if (size <= 0) return { kind: 'INEFFECTIVE', allowRule: options.below! };
  const offset = Math.abs(Math.trunc(options.seed ?? 0)) % size;
  for (let i = 0; i < size; i++) {
    const candidate = options.band.start + ((offset + i) % size);
    if (!used.has(candidate)) return { kind: 'FREE', ruleNumber: candidate };
  }
  if (end < options.band.end) return { kind: 'INEFFECTIVE', allowRule: options.below! };
  return { kind: 'BAND_FULL', band: options.band };
}

/** A stable number from a string, to seed `allocateRuleNumber`. */
export function seedOf(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return hash >>> 0;
}
