import { randomUUID } from 'node:crypto';
import type { NetworkAclEntry } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { taskEnvironment } from '../shared/environment';
import { ResourceGoneError, RuleBandFullError } from '../shared/errors';
import { lambdaHandler } from '../shared/lambda';
import { defineTask, type TaskDeps } from '../shared/task';
import {
  type BlockState,
  OwnedBlockSchema,
  type PairResult,
  ResolvedNaclSchema,
  TriageSchema,
} from './contract';
import { type ActiveBlock, Ledger } from './ledger';
import { isWardensEntry, NetworkAcls, type ResolvedNacl } from './network-acls';
import { allocateRuleNumber, seedOf } from './rule-allocator';

/**
 * Denies each address the triage marked for blocking in the NACL of each of the instance's
 * subnets. Per (address, NACL): claim the pair in the ledger (a conditional write), pick a free
 * rule number in Warden's band, create the entry, activate the ledger row. The NACL reports a
 * rule number another execution took first; Warden then picks again. When the band or the
 * quota is full, policy decides: refuse, or evict the oldest Warden-owned entry.
 *
 * Safe to retry: a retried execution finds its own claim (same execution) and continues from it.
 */
const Input = z.object({
  triage: TriageSchema,
  executionArn: z.string().min(1),
  /** Resolved by an earlier state on the approval path; looked up here on the automatic path. */
  nacls: z.array(ResolvedNaclSchema).max(50).optional(),
  approvedBy: z.string().max(200).optional(),
});
type Input = z.infer<typeof Input>;

const MAX_COLLISIONS = 8;

export const blockAddressesTask = defineTask({
  id: 'BlockAddresses',
  entry: __filename,
  environment: taskEnvironment('LEDGER_TABLE'),
  input: Input,
  needs: {
    tables: { ledger: 'write' },
    assumeMemberRole: true,
    memberActions: ['ec2:DescribeNetworkAcls', 'ec2:CreateNetworkAclEntry', 'ec2:DeleteNetworkAclEntry'],
  },
  run: blockAddresses,
});

export const handler = lambdaHandler(blockAddressesTask);

export async function blockAddresses(input: Input, deps: TaskDeps): Promise<BlockState> {
  const { triage } = input;
  const response = deps.config.response;
  const acls = new NetworkAcls(deps);
  let nacls: ResolvedNacl[] = input.nacls ?? [];
  let missingSubnets: string[] = [];
  if (!input.nacls) {
    const resolved = await acls.resolve(
      triage.accountId,
      triage.region,
      triage.targets.map((t) => t.subnetId),
    );
    nacls = resolved.nacls;
    missingSubnets = resolved.missingSubnets;
  }
  const addresses = triage.addresses.filter((a) => a.action === 'BLOCK' || a.action === 'APPROVAL');
  const results: PairResult[] = [];
  const owned: BlockState['owned'] = [];
  const expiresAt = new Date(deps.now().getTime() + response.blockMinutes * 60_000).toISOString();
  // One offence per address per response, however many NACLs it is denied in.
  const offences = new Map<string, Promise<number>>();

  for (const address of addresses) {
    for (const nacl of nacls) {
      const base = { naclId: nacl.naclId, subnetIds: nacl.subnetIds, cidr: address.cidr };
      if (response.killSwitch) {
        results.push({
          ...base,
          outcome: 'KILL_SWITCH',
          detail: 'the kill switch is on: nothing is blocked',
        });
        continue;
      }
      if (triage.dryRun) {
        results.push({
          ...base,
          outcome: 'DRY_RUN',
          detail: 'dry run: Warden would add an inbound deny entry here',
        });
        continue;
      }
      const result = await blockPair(acls, new Ledger(deps), deps, {
        nacl,
        cidr: address.cidr,
        findingId: triage.findingId,
        executionArn: input.executionArn,
        approvedBy: input.approvedBy,
        expiresAt,
        offences,
      });
      results.push({ ...base, ...result.pair });
      if (result.owned) owned.push(result.owned);
    }
  }
  return {
    results,
    owned,
    hasOwnedBlocks: owned.length > 0,
    expiresAt: earliest(owned.map((o) => o.expiresAt)),
    lifted: [],
    missingSubnets,
  };
}

interface PairRequest {
  nacl: ResolvedNacl;
  cidr: string;
  findingId: string;
  executionArn: string;
  approvedBy?: string;
  expiresAt: string;
  offences: Map<string, Promise<number>>;
}

async function blockPair(
  acls: NetworkAcls,
  ledger: Ledger,
  deps: TaskDeps,
  request: PairRequest,
): Promise<{ pair: Omit<PairResult, 'naclId' | 'subnetIds' | 'cidr'>; owned?: BlockState['owned'][number] }> {
  const { nacl, cidr } = request;
  const response = deps.config.response;
  const family = cidr.includes(':') ? 6 : 4;
  let before: NetworkAclEntry[];
  try {
    before = await acls.entries(nacl);
  } catch (error) {
    if (error instanceof ResourceGoneError) return { pair: { outcome: 'NACL_GONE', detail: error.message } };
    throw error;
  }
  const claim: ActiveBlock = {
    account: nacl.account,
    region: nacl.region,
    naclId: nacl.naclId,
    cidr,
    ruleNumber: 0,
    blockId: randomUUID(),
    state: 'APPLYING',
    findingId: request.findingId,
    executionArn: request.executionArn,
    createdAt: deps.now().toISOString(),
    expiresAt: request.expiresAt,
    approvedBy: request.approvedBy,
  };
  const first = allocate(before, response, family, claim.blockId);
  claim.ruleNumber = first.kind === 'FREE' ? first.ruleNumber : 0;

  const holder = await ledger.claim(claim);
  let mine = claim;
  if (holder) {
    if (holder.executionArn !== request.executionArn) {
      // Someone else blocks this address here already: make their block last as long as ours.
      const until = await ledger.extend(nacl, cidr, request.expiresAt);
      return {
        pair: {
          outcome: 'ALREADY_BLOCKED',
          ruleNumber: holder.ruleNumber,
          detail: `already denied by rule ${holder.ruleNumber} (finding ${holder.findingId}); kept until ${until ?? holder.expiresAt}`,
        },
      };
    }
    mine = holder; // a retry of this execution: continue from our own claim
    const existing = before.find((e) => !e.Egress && e.RuleNumber === mine.ruleNumber);
    if (isWardensEntry(existing, cidr)) return finish(ledger, deps, request, mine, before, before);
  }

  const taken = new Set<number>();
  let entries = before;
  let evicted: PairResult['evicted'];
  for (let attempt = 0; attempt < MAX_COLLISIONS; attempt++) {
    let allocation = allocate(entries, response, family, mine.blockId, taken);
    if (allocation.kind !== 'FREE' && response.whenFull === 'evict-oldest' && !evicted) {
      evicted = await evictOldest(acls, ledger, deps, nacl, mine.blockId);
      if (evicted) {
        entries = await acls.entries(nacl, { fresh: true });
        allocation = allocate(entries, response, family, mine.blockId, taken);
      }
    }
    if (allocation.kind !== 'FREE') {
      await ledger.release(nacl, cidr, mine.blockId);
      const why =
        allocation.kind === 'QUOTA_FULL'
          ? `the NACL has ${allocation.used} of ${allocation.quota} inbound rules`
          : `every rule number ${allocation.band.start}–${allocation.band.end} in Warden's band is in use`;
      return {
        pair: {
          outcome: 'REFUSED_FULL',
          detail: `refused: ${why} (policy: ${response.whenFull})`,
          before: describeEntries(before),
        },
      };
    }
    if (allocation.ruleNumber !== mine.ruleNumber) {
      await ledger.setRuleNumber(mine, allocation.ruleNumber);
      mine = { ...mine, ruleNumber: allocation.ruleNumber };
    }
    const answer = await acls.addDeny(nacl, mine.ruleNumber, cidr);
    if (answer === 'CREATED') {
      const result = await finish(ledger, deps, request, mine, before, [
        ...entries,
        denyEntry(mine.ruleNumber, cidr),
      ]);
      if (evicted) {
        result.pair.outcome = 'EVICTED_OLDEST';
        result.pair.evicted = evicted;
        result.pair.detail += `; evicted ${evicted.cidr} (rule ${evicted.ruleNumber}) to make room`;
      }
      return result;
    }
    // Another writer got there first (or the quota filled up): look again with fresh eyes.
    taken.add(mine.ruleNumber);
    entries = await acls.entries(nacl, { fresh: true });
    if (answer === 'LIMIT_EXCEEDED') entries = padToQuota(entries, response.naclRuleQuota, family);
  }
  await ledger.release(nacl, cidr, mine.blockId);
  throw new RuleBandFullError(
    `could not find a free rule number in ${nacl.naclId} after ${MAX_COLLISIONS} collisions with other writers`,
  );
}

async function finish(
  ledger: Ledger,
  deps: TaskDeps,
  request: PairRequest,
  block: ActiveBlock,
  before: NetworkAclEntry[],
  after: NetworkAclEntry[],
) {
  const response = deps.config.response;
  // A repeat offender is blocked longer each time, up to the configured maximum.
  let counted = request.offences.get(block.cidr);
  if (!counted) {
    counted = ledger.countOffence(block.cidr);
    request.offences.set(block.cidr, counted);
  }
  const offences = await counted;
  const minutes = Math.min(
    response.maxBlockMinutes,
    response.blockMinutes * response.repeatMultiplier ** (offences - 1),
  );
  const expiresAt = new Date(Date.parse(block.createdAt) + minutes * 60_000).toISOString();
  await ledger.activate(block, expiresAt);
  await ledger.putRecord({
    account: block.account,
    region: block.region,
    naclId: block.naclId,
    blockId: block.blockId,
    cidr: block.cidr,
    ruleNumber: block.ruleNumber,
    findingId: block.findingId,
    executionArn: block.executionArn,
    approvedBy: block.approvedBy,
    createdAt: block.createdAt,
    expiresAt,
    dryRun: false,
  });
  const owned = OwnedBlockSchema.parse({ ...block, expiresAt });
  return {
    pair: {
      outcome: 'BLOCKED' as PairResult['outcome'],
      ruleNumber: block.ruleNumber,
      detail: `inbound deny rule ${block.ruleNumber} for ${block.cidr} until ${expiresAt}${offences > 1 ? ` (offence ${offences}: ${minutes} minutes)` : ''}`,
      before: describeEntries(before),
      after: describeEntries(after),
    } as Omit<PairResult, 'naclId' | 'subnetIds' | 'cidr'>,
    owned,
  };
}

/** Removes the Warden block in this NACL that expires first, if its entry is still Warden's. */
async function evictOldest(
  acls: NetworkAcls,
  ledger: Ledger,
  deps: TaskDeps,
  nacl: ResolvedNacl,
  ownBlockId: string,
): Promise<PairResult['evicted']> {
  const candidates = (await ledger.inNacl(nacl))
    .filter((b) => b.blockId !== ownBlockId && b.state === 'ACTIVE')
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const entries = await acls.entries(nacl, { fresh: true });
  for (const victim of candidates) {
    const entry = entries.find((e) => !e.Egress && e.RuleNumber === victim.ruleNumber);
    if (!isWardensEntry(entry, victim.cidr)) continue;
    if (!(await ledger.release(nacl, victim.cidr, victim.blockId))) continue;
    await acls.deleteEntry(nacl, victim.ruleNumber);
    await ledger.closeRecord(victim.blockId, 'EVICTED', deps.now().toISOString());
    return { cidr: victim.cidr, ruleNumber: victim.ruleNumber };
  }
  return undefined;
}

function allocate(
  entries: NetworkAclEntry[],
  response: TaskDeps['config']['response'],
  family: 4 | 6,
  blockId: string,
  taken?: Set<number>,
) {
  return allocateRuleNumber({
    entries,
    band: response.ruleBand,
    quota: response.naclRuleQuota,
    family,
    taken,
    seed: seedOf(blockId),
  });
}

/** After LimitExceeded the NACL's real quota may be lower than configured: treat it as full. */
function padToQuota(entries: NetworkAclEntry[], quota: number, family: 4 | 6): NetworkAclEntry[] {
  const filler = Array.from({ length: quota }, () =>
    family === 6 ? { Egress: false, Ipv6CidrBlock: '::/0' } : { Egress: false, CidrBlock: '0.0.0.0/0' },
  );
  return [...entries, ...filler];
}

function denyEntry(ruleNumber: number, cidr: string): NetworkAclEntry {
  return {
    RuleNumber: ruleNumber,
    Protocol: '-1',
    RuleAction: 'deny',
    Egress: false,
    ...(cidr.includes(':') ? { Ipv6CidrBlock: cidr } : { CidrBlock: cidr }),
  };
}

/** Inbound entries as auditors read them: `100 allow all 0.0.0.0/0`. */
export function describeEntries(entries: NetworkAclEntry[]): string[] {
  return entries
    .filter((e) => !e.Egress)
    .sort((a, b) => (a.RuleNumber ?? 0) - (b.RuleNumber ?? 0))
    .map(
      (e) =>
        `${e.RuleNumber} ${e.RuleAction} ${e.Protocol === '-1' ? 'all' : `proto ${e.Protocol}`} ${e.CidrBlock ?? e.Ipv6CidrBlock}`,
    );
}

export function earliest(times: string[]): string | null {
  return times.length ? times.reduce((a, b) => (a <= b ? a : b)) : null;
}
