import { createHash } from 'node:crypto';
import type { NetworkAclEntry } from '@aws-sdk/client-ec2';
import * as z from '../../config/zod-mini';
import { taskEnvironment } from '../shared/environment';
import {
  BlockInTransitionError,
  ResourceGoneError,
  RuleBandFullError,
  UnsafeBlockError,
} from '../shared/errors';
import { lambdaHandler } from '../shared/lambda';
import { defineTask, type TaskDeps } from '../shared/task';
import { cidrCovers } from './addresses';
import {
  type BlockState,
  OwnedBlockSchema,
  type PairResult,
  ResolvedNaclSchema,
  TriageSchema,
} from './contract';
import { type ActiveBlock, Ledger } from './ledger';
import { assertHostRoute, isWardensEntry, NetworkAcls, type ResolvedNacl } from './network-acls';
import { notify } from './notify';
import { allocateRuleNumber, seedOf } from './rule-allocator';
import type { AddressDecision, TriageResult } from './triage';
import { verifiedTriage } from './verified-triage';

/**
 * Denies each address the triage marked for blocking in the NACL of each of the instance's
 * subnets. It trusts nothing it is told: the addresses it acts on are those of the finding the
 * intake recorded, decided again here with the deployed config (mode, kill switch, sample
 * finding, never-block guards, allow-list, own CIDRs, the instance's own addresses), and only
 * host routes reach the NACL. An address the input asks for that this re-decision does not
 * allow is refused and reported.
 *
 * Per (address, NACL): claim the pair in the ledger (a conditional write naming the rule
 * number), create the entry, activate the row (see ledger.ts for the transitions). The block id
 * is derived from the execution, NACL and address, so every attempt of one execution is the
 * same block: a retry, or a lost reply, continues where the last attempt stopped. When the band
 * or the quota is full, policy decides: refuse, or evict the oldest Warden-owned entry.
 */
const Input = z.object({
  triage: TriageSchema,
  executionArn: z.string().check(z.minLength(1), z.maxLength(2048)),
  /** Resolved by an earlier state on the approval path; looked up here on the automatic path. */
  nacls: z.optional(z.array(ResolvedNaclSchema).check(z.maxLength(50))),
  approvedBy: z.optional(z.string().check(z.maxLength(200))),
});
type Input = z.infer<typeof Input>;

const MAX_COLLISIONS = 8;

export const blockAddressesTask = defineTask({
  id: 'BlockAddresses',
  entry: __filename,
  environment: taskEnvironment('LEDGER_TABLE', 'FINDINGS_TABLE', 'TOPIC_ARN'),
  input: Input,
  needs: {
    tables: { ledger: 'write', findings: 'read' },
    publish: true,
    assumeMemberRole: true,
    memberActions: ['ec2:DescribeNetworkAcls', 'ec2:CreateNetworkAclEntry', 'ec2:DeleteNetworkAclEntry'],
  },
  run: blockAndNotify,
});

export const handler = lambdaHandler(blockAddressesTask);

/**
 * The task: the block, then the BLOCKED notification (blocked, refused or nothing new) from the
 * same invocation, written from Warden's own decision of the finding rather than the input's.
 * A separate notify state would cost the response one more billed state transition.
 */
export async function blockAndNotify(
  input: Input,
  deps: TaskDeps,
): Promise<BlockState & { triage: TriageResult; notification: Awaited<ReturnType<typeof notify>> }> {
  const verified = await verifiedTriage(input.triage.findingId, deps);
  const block = await blockVerified(input, verified, deps);
  const notification = await notify(
    {
      kind: 'BLOCKED',
      triage: { ...verified },
      block,
      ...(input.approvedBy ? { approval: { approver: input.approvedBy } } : {}),
    },
    deps,
  );
  // Warden's own decision, which the state after this one and the auditor read.
  return { ...block, triage: verified, notification };
}

export async function blockAddresses(input: Input, deps: TaskDeps): Promise<BlockState> {
  return blockVerified(input, await verifiedTriage(input.triage.findingId, deps), deps);
}

async function blockVerified(input: Input, verified: TriageResult, deps: TaskDeps): Promise<BlockState> {
  const response = deps.config.response;
  const { allowed, refused } = addressesToAct(input, verified);
  const acls = new NetworkAcls(deps);
  const nacls = input.nacls
    ? { nacls: checkedNacls(input.nacls, verified), missingSubnets: [] as string[] }
    : await acls.resolve(
        verified.accountId,
        verified.region,
        verified.targets.map((t) => t.subnetId),
      );
  const results: PairResult[] = [];
  const owned: BlockState['owned'] = [];
  const expiresAt = new Date(deps.now().getTime() + response.blockMinutes * 60_000).toISOString();
  // One offence per address per response, however many NACLs it is denied in.
  const offences = new Map<string, Promise<number>>();
  const changes = new Map<string, { before: NetworkAclEntry[]; added: number[]; evicted: number[] }>();

  for (const address of allowed) {
    for (const nacl of nacls.nacls) {
      const base = { naclId: nacl.naclId, subnetIds: nacl.subnetIds, cidr: address.cidr };
      if (response.killSwitch) {
        results.push({
          ...base,
          outcome: 'KILL_SWITCH',
          detail: 'the kill switch is on: nothing is blocked',
        });
        continue;
      }
      if (verified.dryRun) {
        results.push({
          ...base,
          outcome: 'DRY_RUN',
          detail: `dry run (${verified.dryRunReasons.join(', ')}): Warden would add an inbound deny entry here`,
        });
        continue;
      }
      const result = await blockPair(acls, new Ledger(deps), deps, {
        nacl,
        cidr: address.cidr,
        findingId: verified.findingId,
        executionArn: input.executionArn,
        approvedBy: input.approvedBy,
        expiresAt,
        offences,
        changes,
      });
      results.push({ ...base, ...result.pair });
      if (result.owned) owned.push(result.owned);
    }
  }
  attachNaclViews(results, changes);
  return {
    results,
    owned,
    hasOwnedBlocks: owned.length > 0,
    expiresAt: earliest(owned.map((o) => o.expiresAt)),
    lifted: [],
    missingSubnets: nacls.missingSubnets,
    ...(refused.length ? { refused } : {}),
  };
}

/**
 * The addresses this task may deny: asked for by the input AND allowed by the re-decided triage
 * (BLOCK; APPROVAL only once a person approved). Everything else the input asked for is refused.
 */
function addressesToAct(
  input: Input,
  verified: TriageResult,
): { allowed: AddressDecision[]; refused: NonNullable<BlockState['refused']> } {
  const byCidr = new Map(verified.addresses.map((a) => [a.cidr, a]));
  const approved = input.approvedBy !== undefined;
  const allowed: AddressDecision[] = [];
  const refused: NonNullable<BlockState['refused']> = [];
  const seen = new Set<string>();
  for (const asked of input.triage.addresses) {
    if (asked.action !== 'BLOCK' && asked.action !== 'APPROVAL') continue;
    if (seen.has(asked.cidr)) continue;
    seen.add(asked.cidr);
    const decided = byCidr.get(asked.cidr);
    let reason: string | undefined;
    if (!decided) reason = 'NOT_IN_RECORDED_FINDING';
    else if (decided.action === 'APPROVAL' && !approved) reason = 'APPROVAL_REQUIRED';
    else if (decided.action !== 'BLOCK' && decided.action !== 'APPROVAL') reason = decided.reason;
    else {
      try {
        assertHostRoute(decided.cidr);
      } catch {
        reason = 'NOT_A_HOST_ROUTE';
      }
    }
    if (reason) refused.push({ cidr: asked.cidr, reason });
    else allowed.push(decided!);
  }
  return { allowed, refused };
}

/** NACLs handed over by an earlier state must be those of the finding's own subnets. */
function checkedNacls(nacls: ResolvedNacl[], verified: TriageResult): ResolvedNacl[] {
  const subnets = new Set(verified.targets.map((t) => t.subnetId));
  for (const nacl of nacls) {
    const foreign = nacl.subnetIds.filter((s) => !subnets.has(s));
    if (nacl.account !== verified.accountId || nacl.region !== verified.region || foreign.length) {
      throw new UnsafeBlockError(
        `refusing to change ${nacl.naclId} (${nacl.account} ${nacl.region}): it is not the NACL of a subnet of the instance in finding ${verified.findingId}`,
      );
    }
  }
  return nacls;
}

interface PairRequest {
  nacl: ResolvedNacl;
  cidr: string;
  findingId: string;
  executionArn: string;
  approvedBy?: string;
  expiresAt: string;
  offences: Map<string, Promise<number>>;
  changes: Map<string, { before: NetworkAclEntry[]; added: number[]; evicted: number[] }>;
}

type PairOutcome = {
  pair: Omit<PairResult, 'naclId' | 'subnetIds' | 'cidr'>;
  owned?: BlockState['owned'][number];
};

/** The block id of one execution's block of `cidr` in one NACL: the same on every attempt. */
export function blockIdOf(executionArn: string, nacl: ResolvedNacl, cidr: string): string {
  const hex = createHash('sha256')
    .update(`${executionArn}|${nacl.account}|${nacl.region}|${nacl.naclId}|${cidr}`)
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

async function blockPair(
  acls: NetworkAcls,
  ledger: Ledger,
  deps: TaskDeps,
  request: PairRequest,
): Promise<PairOutcome> {
  const { nacl, cidr } = request;
  const response = deps.config.response;
  const family = cidr.includes(':') ? 6 : 4;
  let entries: NetworkAclEntry[];
  try {
    entries = await acls.entries(nacl);
  } catch (error) {
    if (error instanceof ResourceGoneError) return { pair: { outcome: 'NACL_GONE', detail: error.message } };
    throw error;
  }
  const view = request.changes.get(nacl.naclId) ?? { before: entries, added: [], evicted: [] };
  request.changes.set(nacl.naclId, view);
  const blockId = blockIdOf(request.executionArn, nacl, cidr);
  const claim: ActiveBlock = {
    account: nacl.account,
    region: nacl.region,
    naclId: nacl.naclId,
    cidr,
    ruleNumber: 0,
    blockId,
    state: 'APPLYING',
    findingId: request.findingId,
    executionArn: request.executionArn,
    createdAt: deps.now().toISOString(),
    expiresAt: request.expiresAt,
    approvedBy: request.approvedBy,
  };
  const first = allocate(entries, response, family, cidr, blockId);
  claim.ruleNumber = first.kind === 'FREE' ? first.ruleNumber : 0;

  const holder = await ledger.claim(claim);
  let mine = claim;
  if (holder && holder.blockId !== blockId) return joinHolder(ledger, nacl, cidr, holder, request);
  if (holder) {
    // An earlier attempt of this execution claimed the pair: see afresh what it left.
    mine = holder;
    if (mine.state !== 'APPLYING' && mine.state !== 'ACTIVE')
      throw new BlockInTransitionError(`the block of ${cidr} in ${nacl.naclId} is ${mine.state}`);
    entries = await acls.entries(nacl, { fresh: true });
    const existing = entries.find((e) => !e.Egress && e.RuleNumber === mine.ruleNumber);
    if (isWardensEntry(existing, cidr)) return finish(acls, ledger, deps, request, mine);
  }

  const taken = new Set<number>();
  let evicted: PairResult['evicted'];
  for (let attempt = 0; attempt < MAX_COLLISIONS; attempt++) {
    let allocation = allocate(entries, response, family, cidr, mine.blockId, taken);
    if (
      allocation.kind !== 'FREE' &&
      allocation.kind !== 'INEFFECTIVE' &&
      response.whenFull === 'evict-oldest' &&
      !evicted
    ) {
      evicted = await evictOldest(acls, ledger, deps, nacl, mine.blockId);
      if (evicted) {
        view.evicted.push(evicted.ruleNumber);
        entries = await acls.entries(nacl, { fresh: true });
        allocation = allocate(entries, response, family, cidr, mine.blockId, taken);
      }
    }
    if (allocation.kind !== 'FREE') {
      // Nothing was created under this claim (its number was free of our entry when last read).
      await ledger.release(nacl, cidr, mine.blockId, ['APPLYING']);
      if (allocation.kind === 'INEFFECTIVE') {
        return {
          pair: {
            outcome: 'REFUSED_INEFFECTIVE',
            detail: `refused: the customer's ALLOW rule ${allocation.allowRule} covers ${cidr} and no free number in Warden's band is below it, so a deny would have no effect`,
          },
        };
      }
      const why =
        allocation.kind === 'QUOTA_FULL'
          ? `the NACL has ${allocation.used} of ${allocation.quota} inbound rules`
          : `every rule number ${allocation.band.start}–${allocation.band.end} in Warden's band is in use`;
      return { pair: { outcome: 'REFUSED_FULL', detail: `refused: ${why} (policy: ${response.whenFull})` } };
    }
    if (allocation.ruleNumber !== mine.ruleNumber) {
      // Safe: the NACL, read afresh or answering for itself, holds no entry of ours at the old number.
      await ledger.setRuleNumber(mine, allocation.ruleNumber);
      mine = { ...mine, ruleNumber: allocation.ruleNumber };
    }
    const answer = await acls.addDeny(nacl, mine.ruleNumber, cidr);
    if (answer === 'CREATED' || answer === 'ADOPTED') {
      view.added.push(mine.ruleNumber);
      const result = await finish(acls, ledger, deps, request, mine);
      if (evicted && result.owned) {
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
  await ledger.release(nacl, cidr, mine.blockId, ['APPLYING']);
  throw new RuleBandFullError(
    `could not find a free rule number in ${nacl.naclId} after ${MAX_COLLISIONS} collisions with other writers`,
  );
}

/** Another execution holds the pair: make its block last as long as ours would. */
async function joinHolder(
  ledger: Ledger,
  nacl: ResolvedNacl,
  cidr: string,
  holder: ActiveBlock,
  request: PairRequest,
): Promise<PairOutcome> {
  const extension = await ledger.extend(nacl, cidr, request.expiresAt);
  if (extension.kind !== 'EXTENDED') {
    // Being lifted or evicted (or just gone): the next attempt blocks afresh.
    throw new BlockInTransitionError(
      `the block of ${cidr} in ${nacl.naclId} by ${holder.findingId} is ${extension.kind === 'GONE' ? 'gone' : extension.state}; trying again`,
    );
  }
  return {
    pair: {
      outcome: 'ALREADY_BLOCKED',
      ruleNumber: holder.ruleNumber,
      detail: `already denied by rule ${holder.ruleNumber} (finding ${holder.findingId}); kept until ${extension.expiresAt}`,
    },
  };
}

async function finish(
  acls: NetworkAcls,
  ledger: Ledger,
  deps: TaskDeps,
  request: PairRequest,
  block: ActiveBlock,
): Promise<PairOutcome> {
  const response = deps.config.response;
  // A repeat offender is blocked longer each time, up to the configured maximum; the ledger
  // counts each response once, so a retry does not count the offence again.
  let counted = request.offences.get(block.cidr);
  if (!counted) {
    counted = ledger.countOffence(block.cidr, request.executionArn);
    request.offences.set(block.cidr, counted);
  }
  const offences = await counted;
  const minutes = Math.min(
    response.maxBlockMinutes,
    response.blockMinutes * response.repeatMultiplier ** (offences - 1),
  );
  const expiresAt = new Date(Date.parse(block.createdAt) + minutes * 60_000).toISOString();
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
  try {
    await ledger.activate(block, expiresAt);
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    // The row is no longer ours (the reconciler released a claim it thought abandoned): take
    // the entry back out, so that nothing is left that no row names.
    await rollBack(acls, ledger, block);
    throw new BlockInTransitionError(`the claim of ${block.cidr} in ${block.naclId} was released meanwhile`);
  }
  const row = await ledger.get(block, block.cidr);
  const until = row?.blockId === block.blockId && row.expiresAt > expiresAt ? row.expiresAt : expiresAt;
  const owned = OwnedBlockSchema.parse({ ...block, expiresAt: until });
  return {
    pair: {
      outcome: 'BLOCKED',
      ruleNumber: block.ruleNumber,
      detail: `inbound deny rule ${block.ruleNumber} for ${block.cidr} until ${until}${offences > 1 ? ` (offence ${offences}: ${minutes} minutes)` : ''}`,
    },
    owned,
  };
}

async function rollBack(acls: NetworkAcls, ledger: Ledger, block: ActiveBlock): Promise<void> {
  const row = await ledger.get(block, block.cidr);
  if (row?.ruleNumber === block.ruleNumber) return; // a new claim names this entry: it is theirs now
  const entries = await acls.entries(block, { fresh: true });
  const entry = entries.find((e) => !e.Egress && e.RuleNumber === block.ruleNumber);
  if (isWardensEntry(entry, block.cidr)) await acls.deleteEntry(block, block.ruleNumber);
}

/**
 * Removes the Warden block in this NACL that was created first, if its entry is still Warden's.
 * Ledger first (ACTIVE → EVICTING, naming the evictor), then the entry, then the row: a retry
 * finds its own EVICTING victim and finishes that one rather than evicting a second.
 */
async function evictOldest(
  acls: NetworkAcls,
  ledger: Ledger,
  deps: TaskDeps,
  nacl: ResolvedNacl,
  ownBlockId: string,
): Promise<PairResult['evicted']> {
  const rows = (await ledger.inNacl(nacl)).filter((b) => b.blockId !== ownBlockId);
  const pending = rows.filter((b) => b.state === 'EVICTING' && b.evictedBy === ownBlockId);
  const candidates = rows
    .filter((b) => b.state === 'ACTIVE')
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.ruleNumber - b.ruleNumber);
  const entries = await acls.entries(nacl, { fresh: true });
  for (const victim of [...pending, ...candidates]) {
    const entry = entries.find((e) => !e.Egress && e.RuleNumber === victim.ruleNumber);
    const wardens = isWardensEntry(entry, victim.cidr);
    if (!wardens && victim.state === 'ACTIVE') continue;
    if (!(await ledger.beginEvict(victim, ownBlockId))) continue;
    if (wardens) await acls.deleteEntry(nacl, victim.ruleNumber);
    await ledger.release(nacl, victim.cidr, victim.blockId, ['EVICTING']);
    await ledger.closeRecord(victim.blockId, 'EVICTED', deps.now().toISOString());
    return { cidr: victim.cidr, ruleNumber: victim.ruleNumber };
  }
  return undefined;
}

function allocate(
  entries: NetworkAclEntry[],
  response: TaskDeps['config']['response'],
  family: 4 | 6,
  cidr: string,
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
    below: lowestCoveringAllow(entries, cidr),
  });
}

/** The lowest inbound ALLOW whose CIDR covers the address: a deny above it has no effect. */
export function lowestCoveringAllow(entries: readonly NetworkAclEntry[], cidr: string): number | undefined {
  const address = cidr.split('/')[0]!;
  let lowest: number | undefined;
  for (const e of entries) {
    const block = e.CidrBlock ?? e.Ipv6CidrBlock;
    if (e.Egress || e.RuleAction !== 'allow' || !block || e.RuleNumber === undefined) continue;
    if (lowest !== undefined && e.RuleNumber >= lowest) continue;
    try {
      if (cidrCovers(block, address)) lowest = e.RuleNumber;
    } catch {
      // An entry AWS accepted but our parser does not (none known): it cannot cover the address.
    }
  }
  return lowest;
}

/** After LimitExceeded the NACL's real quota may be lower than configured: treat it as full. */
function padToQuota(entries: NetworkAclEntry[], quota: number, family: 4 | 6): NetworkAclEntry[] {
  const filler = Array.from({ length: quota }, () =>
    family === 6 ? { Egress: false, Ipv6CidrBlock: '::/0' } : { Egress: false, CidrBlock: '0.0.0.0/0' },
  );
  return [...entries, ...filler];
}

/**
 * UTF-8 bytes of NACL listings (before and after) one block result may carry. The rest of the
 * state is bounded by the pair budget; the listings grow with NACLs × entries, and 50 NACLs near
 * their quota would take the result past Step Functions' 256 KiB (test/limits/response-state-size).
 */
export const NACL_VIEW_BUDGET_BYTES = 64 * 1024;

/**
 * The story shows each changed NACL once, before and after, on its first result: a NACL's
 * entries are bounded by its quota, and copying them into every (address, NACL) result is what
 * made large findings exceed Step Functions' 256 KiB state limit. Listings stop at
 * NACL_VIEW_BUDGET_BYTES: a NACL past it is marked `viewOmitted` (its changes, rule numbers and
 * outcomes are still in every result; its entries are in EC2 and in the reconciler's view).
 */
function attachNaclViews(
  results: PairResult[],
  changes: Map<string, { before: NetworkAclEntry[]; added: number[]; evicted: number[] }>,
): void {
  let budget = NACL_VIEW_BUDGET_BYTES;
  for (const [naclId, change] of changes) {
    if (!change.added.length && !change.evicted.length) continue;
    const first = results.find((r) => r.naclId === naclId);
    if (!first) continue;
    const added = results.filter((r) => r.naclId === naclId && change.added.includes(r.ruleNumber ?? -1));
    const after = change.before
      .filter((e) => !change.evicted.includes(e.RuleNumber ?? -1))
      .concat(added.map((r) => denyEntry(r.ruleNumber!, r.cidr)));
    const before = describeEntries(change.before);
    const described = describeEntries(after);
    const size = Buffer.byteLength(JSON.stringify(before) + JSON.stringify(described), 'utf8');
    if (size > budget) {
      first.viewOmitted = 'STATE_SIZE';
      continue;
    }
    budget -= size;
    first.before = before;
    first.after = described;
  }
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
