import type { NetworkAclEntry } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { taskEnvironment } from '../shared/environment';
import { ResourceGoneError } from '../shared/errors';
import { lambdaHandler } from '../shared/lambda';
import { defineTask, type TaskDeps } from '../shared/task';
import { earliest } from './block-addresses';
import { type BlockState, OwnedBlockSchema } from './contract';
import { FindingsTable } from './findings-table';
import { Ledger } from './ledger';
import { isWardensEntry, NetworkAcls } from './network-acls';

/**
 * Runs each time the execution's wait ends. For every block the execution owns: if its expiry
 * was pushed later (a repeat finding, another execution joining, the intake extending it), keep
 * it; if it has expired, remove the entry — only when the entry at that rule number is still the
 * deny Warden created — and release the ledger row. An entry someone removed by hand is
 * recorded, not an error; an entry that is no longer Warden's is left alone.
 */
const Input = z.object({
  findingId: z.string().min(1).max(300),
  block: z.object({
    owned: z.array(OwnedBlockSchema).max(1000),
    results: z.array(z.unknown()).default([]),
    lifted: z.array(z.unknown()).default([]),
    missingSubnets: z.array(z.string()).default([]),
  }),
});
type Input = z.infer<typeof Input>;

export const liftExpiredBlocksTask = defineTask({
  id: 'LiftExpiredBlocks',
  entry: __filename,
  environment: taskEnvironment('LEDGER_TABLE', 'FINDINGS_TABLE'),
  input: Input,
  needs: {
    tables: { ledger: 'write', findings: 'read' },
    assumeMemberRole: true,
    memberActions: ['ec2:DescribeNetworkAcls', 'ec2:DeleteNetworkAclEntry'],
  },
  run: liftExpiredBlocks,
});

export const handler = lambdaHandler(liftExpiredBlocksTask);

export async function liftExpiredBlocks(input: Input, deps: TaskDeps): Promise<BlockState> {
  const ledger = new Ledger(deps);
  const acls = new NetworkAcls(deps);
  const now = deps.now().toISOString();
  const extendTo = await requestedExtension(deps, input.findingId);
  const remaining: BlockState['owned'] = [];
  const lifted = [...(input.block.lifted as BlockState['lifted'])];

  for (const block of input.block.owned) {
    const row = await ledger.get(block, block.cidr);
    if (!row || row.blockId !== block.blockId) {
      lifted.push({ ...pick(block), outcome: 'ALREADY_RELEASED (evicted or reconciled)', at: now });
      continue;
    }
    let expiresAt = row.expiresAt;
    if (extendTo && extendTo > expiresAt)
      expiresAt = (await ledger.extend(block, block.cidr, extendTo)) ?? expiresAt;
    if (expiresAt > now) {
      remaining.push({ ...block, expiresAt });
      continue;
    }
    lifted.push({ ...pick(block), outcome: await removeEntry(acls, ledger, block, now), at: now });
  }
  return {
    results: input.block.results as BlockState['results'],
    owned: remaining,
    hasOwnedBlocks: remaining.length > 0,
    expiresAt: earliest(remaining.map((b) => b.expiresAt)),
    lifted,
    missingSubnets: input.block.missingSubnets,
  };
}

async function removeEntry(
  acls: NetworkAcls,
  ledger: Ledger,
  block: BlockState['owned'][number],
  now: string,
): Promise<string> {
  let entries: NetworkAclEntry[];
  try {
    entries = await acls.entries(block, { fresh: true });
  } catch (error) {
    if (!(error instanceof ResourceGoneError)) throw error;
    await ledger.release(block, block.cidr, block.blockId);
    await ledger.closeRecord(block.blockId, 'REMOVED_BY_HAND', now);
    return 'NACL_GONE';
  }
  const entry = entries.find((e) => !e.Egress && e.RuleNumber === block.ruleNumber);
  let outcome: 'EXPIRED_REMOVED' | 'REMOVED_BY_HAND' | 'NOT_WARDENS_ENTRY';
  if (!entry) outcome = 'REMOVED_BY_HAND';
  else if (!isWardensEntry(entry, block.cidr)) outcome = 'NOT_WARDENS_ENTRY';
  else outcome = (await acls.deleteEntry(block, block.ruleNumber)) ? 'EXPIRED_REMOVED' : 'REMOVED_BY_HAND';
  await ledger.release(block, block.cidr, block.blockId);
  await ledger.closeRecord(block.blockId, outcome, now);
  return outcome;
}

/** The intake records a later expiry on the finding's row when GuardDuty reports it again. */
async function requestedExtension(deps: TaskDeps, findingId: string): Promise<string | undefined> {
  return (await new FindingsTable(deps).get(findingId))?.extendTo;
}

function pick(block: BlockState['owned'][number]) {
  return { naclId: block.naclId, cidr: block.cidr, ruleNumber: block.ruleNumber };
}
