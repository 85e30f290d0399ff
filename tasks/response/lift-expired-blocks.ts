import type { NetworkAclEntry } from '@aws-sdk/client-ec2';
import * as z from 'zod';
import { taskEnvironment } from '../shared/environment';
import { ResourceGoneError } from '../shared/errors';
import { lambdaHandler } from '../shared/lambda';
import { defineTask, type TaskDeps } from '../shared/task';
import { earliest } from './block-addresses';
import { type BlockState, OwnedBlockSchema } from './contract';
import { FindingsTable } from './findings-table';
import { type ActiveBlock, Ledger } from './ledger';
import { isWardensEntry, NetworkAcls } from './network-acls';

/**
 * Runs each time the execution's wait ends. For every block the execution owns: if its expiry
 * was pushed later (a repeat finding, another execution joining, the intake extending it), keep
 * it; if it has expired, lift it — the ledger row moves ACTIVE → LIFTING with a conditional
 * write on "still ours and expired by now", so an extension that lands first keeps the entry and
 * one that lands after finds the lift begun and blocks afresh. Then the entry is removed (only
 * when it is still the deny Warden created; already gone is done) and the row released. An entry
 * someone removed by hand is recorded, not an error; one that is no longer Warden's is left alone.
 */
const Input = z.object({
  findingId: z.string().min(1).max(300),
  block: z.object({
    owned: z.array(OwnedBlockSchema).max(1000),
    results: z.array(z.unknown()).default([]),
    lifted: z.array(z.unknown()).default([]),
    missingSubnets: z.array(z.string()).default([]),
    refused: z.array(z.unknown()).optional(),
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
    let row = await ledger.get(block, block.cidr);
    if (!row || row.blockId !== block.blockId) {
      lifted.push({ ...pick(block), outcome: 'ALREADY_RELEASED (evicted or reconciled)', at: now });
      continue;
    }
    if (extendTo && extendTo > row.expiresAt) {
      const extension = await ledger.extend(block, block.cidr, extendTo);
      if (extension.kind === 'EXTENDED') row = { ...row, expiresAt: extension.expiresAt };
    }
    if (row.state === 'ACTIVE' || row.state === 'APPLYING') {
      if (row.expiresAt > now) {
        remaining.push({ ...block, expiresAt: row.expiresAt });
        continue;
      }
      const start = await ledger.beginLift(block, now);
      if (start.kind === 'GONE') {
        lifted.push({ ...pick(block), outcome: 'ALREADY_RELEASED (evicted or reconciled)', at: now });
        continue;
      }
      if (start.kind === 'KEPT' && (start.row.state === 'ACTIVE' || start.row.state === 'APPLYING')) {
        // Extended between our read and the lift: the block stays.
        remaining.push({ ...block, expiresAt: start.row.expiresAt });
        continue;
      }
      row = start.row;
    }
    // LIFTING (ours, perhaps begun by an earlier attempt) or EVICTING (an evictor stopped halfway).
    lifted.push({ ...pick(block), outcome: await removeEntry(acls, ledger, row, now), at: now });
  }
  return {
    results: input.block.results as BlockState['results'],
    owned: remaining,
    hasOwnedBlocks: remaining.length > 0,
    expiresAt: earliest(remaining.map((b) => b.expiresAt)),
    lifted,
    missingSubnets: input.block.missingSubnets,
    ...(input.block.refused ? { refused: input.block.refused as BlockState['refused'] } : {}),
  };
}

async function removeEntry(
  acls: NetworkAcls,
  ledger: Ledger,
  row: ActiveBlock,
  now: string,
): Promise<string> {
  const from = row.state === 'EVICTING' ? (['EVICTING'] as const) : (['LIFTING'] as const);
  let entries: NetworkAclEntry[];
  try {
    entries = await acls.entries(row, { fresh: true });
  } catch (error) {
    if (!(error instanceof ResourceGoneError)) throw error;
    await ledger.release(row, row.cidr, row.blockId, from);
    await ledger.closeRecord(row.blockId, 'REMOVED_BY_HAND', now);
    return 'NACL_GONE';
  }
  const entry = entries.find((e) => !e.Egress && e.RuleNumber === row.ruleNumber);
  let outcome: 'EXPIRED_REMOVED' | 'REMOVED_BY_HAND' | 'NOT_WARDENS_ENTRY' | 'EVICTED';
  if (!entry) outcome = 'REMOVED_BY_HAND';
  else if (!isWardensEntry(entry, row.cidr)) outcome = 'NOT_WARDENS_ENTRY';
  else {
    await acls.deleteEntry(row, row.ruleNumber);
    outcome = 'EXPIRED_REMOVED';
  }
  if (row.state === 'EVICTING') outcome = 'EVICTED';
  await ledger.release(row, row.cidr, row.blockId, from);
  await ledger.closeRecord(row.blockId, outcome, now);
  return outcome;
}

/** The intake records a later expiry on the finding's row when GuardDuty reports it again. */
async function requestedExtension(deps: TaskDeps, findingId: string): Promise<string | undefined> {
  return (await new FindingsTable(deps).get(findingId))?.extendTo;
}

function pick(block: BlockState['owned'][number]) {
  return { naclId: block.naclId, cidr: block.cidr, ruleNumber: block.ruleNumber };
}
