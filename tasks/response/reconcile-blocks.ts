import type { NetworkAclEntry } from '@aws-sdk/client-ec2';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { classifyAwsError, ResourceGoneError } from '../shared/errors';
import { lambdaHandler } from '../shared/lambda';
import { publish } from '../shared/notifications';
import { defineTask, type TaskDeps } from '../shared/task';
import { type ActiveBlock, Ledger, type NaclRef, naclKey, parseNaclKey } from './ledger';
import { isWardensEntry, NetworkAcls } from './network-acls';

/**
 * Compares the ledger with the NACLs and repairs what belongs to Warden:
 * - a block whose execution is gone and whose expiry has passed: its entry is removed (only if it
 *   is still the deny Warden created) and its row released — this is also how an entry survives
 *   a crash between the NACL write and the ledger update, and still gets removed;
 * - a row whose entry is missing: released (removed by hand, or never created);
 * - an entry in Warden's band that no row names: reported, never touched — Warden does not
 *   change entries it cannot prove it created.
 */
const Input = z
  .object({
    /** Only report; change nothing. @default false */
    reportOnly: z.boolean().default(false),
    /** Rows younger than this are left to their executions. @default 15 */
    graceMinutes: z.number().int().min(0).max(1440).default(15),
  })
  .default({ reportOnly: false, graceMinutes: 15 });
type Input = z.infer<typeof Input>;

export type Repair = 'REMOVED_EXPIRED_ENTRY' | 'RELEASED_MISSING_ENTRY' | 'RELEASED_NACL_GONE';
export type Drift =
  | 'ENTRY_NOT_IN_LEDGER'
  | 'ENTRY_CHANGED'
  | 'ENTRY_MISSING'
  | 'NACL_GONE'
  | 'EXPIRED_NOT_REMOVED';

export interface ReconcileReport {
  naclsChecked: number;
  activeBlocks: number;
  drift: {
    naclId: string;
    account: string;
    region: string;
    kind: Drift;
    ruleNumber?: number;
    cidr?: string;
    repaired?: Repair;
  }[];
  repaired: number;
  reportOnly: boolean;
}

export const reconcileBlocksTask = defineTask({
  id: 'ReconcileBlocks',
  entry: __filename,
  input: Input,
  needs: {
    tables: { ledger: 'write' },
    assumeMemberRole: true,
    publish: true,
    actions: ['states:DescribeExecution'],
  },
  run: reconcileBlocks,
});

export const handler = lambdaHandler(reconcileBlocksTask);

export async function reconcileBlocks(input: Input, deps: TaskDeps): Promise<ReconcileReport> {
  const ledger = new Ledger(deps);
  const acls = new NetworkAcls(deps);
  const now = deps.now();
  const graceEdge = new Date(now.getTime() - input.graceMinutes * 60_000).toISOString();
  const band = deps.config.response.ruleBand;
  const blocks = await ledger.allActive();
  const byNacl = new Map<string, ActiveBlock[]>();
  // Every NACL Warden has ever changed is checked, so an entry left in one with no active row is found.
  for (const record of await ledger.records()) if (!record.dryRun) byNacl.set(naclKey(record), []);
  for (const block of blocks) byNacl.set(naclKey(block), [...(byNacl.get(naclKey(block)) ?? []), block]);
  const report: ReconcileReport = {
    naclsChecked: 0,
    activeBlocks: blocks.length,
    drift: [],
    repaired: 0,
    reportOnly: input.reportOnly,
  };

  for (const [key, rows] of byNacl) {
    const ref: NaclRef = parseNaclKey(key);
    report.naclsChecked += 1;
    let entries: NetworkAclEntry[];
    try {
      entries = await acls.entries(ref, { fresh: true });
    } catch (error) {
      if (!(error instanceof ResourceGoneError)) throw error;
      for (const row of rows) {
        const repaired = input.reportOnly ? undefined : await release(ledger, row, 'RELEASED_NACL_GONE', now);
        report.drift.push({
          ...ref,
          kind: 'NACL_GONE',
          cidr: row.cidr,
          ruleNumber: row.ruleNumber,
          repaired,
        });
      }
      continue;
    }
    const named = new Set<number>();
    for (const row of rows) {
      const entry = entries.find((e) => !e.Egress && e.RuleNumber === row.ruleNumber);
      const settled = row.createdAt < graceEdge;
      // Only the deny the row describes is known: another entry at its number is not Warden's.
      if (isWardensEntry(entry, row.cidr)) named.add(row.ruleNumber);
      else {
        if (!settled) continue;
        const kind: Drift = entry ? 'ENTRY_CHANGED' : 'ENTRY_MISSING';
        const repaired = input.reportOnly
          ? undefined
          : await release(ledger, row, 'RELEASED_MISSING_ENTRY', now);
        report.drift.push({ ...ref, kind, cidr: row.cidr, ruleNumber: row.ruleNumber, repaired });
        continue;
      }
      if (row.expiresAt > graceEdge || (await executionRuns(deps, row.executionArn))) continue;
      let repaired: Repair | undefined;
      if (!input.reportOnly) {
        await acls.deleteEntry(ref, row.ruleNumber);
        repaired = await release(ledger, row, 'REMOVED_EXPIRED_ENTRY', now);
      }
      report.drift.push({
        ...ref,
        kind: 'EXPIRED_NOT_REMOVED',
        cidr: row.cidr,
        ruleNumber: row.ruleNumber,
        repaired,
      });
    }
    for (const entry of entries) {
      const n = entry.RuleNumber ?? 0;
      if (entry.Egress || n < band.start || n > band.end || named.has(n)) continue;
      report.drift.push({
        ...ref,
        kind: 'ENTRY_NOT_IN_LEDGER',
        ruleNumber: n,
        cidr: entry.CidrBlock ?? entry.Ipv6CidrBlock,
      });
    }
  }
  report.repaired = report.drift.filter((d) => d.repaired).length;
  if (report.drift.length) {
    const { securityAccountId, homeRegion } = deps.config.organization;
    await publish(deps, {
      category: 'DRIFT',
      severity: 'MEDIUM',
      account: securityAccountId,
      region: homeRegion,
      subject: `Warden found ${report.drift.length} difference(s) between its ledger and the NACLs`,
      lines: report.drift.map(
        (d) =>
          `• ${d.account} ${d.region} ${d.naclId}: ${d.kind}${d.ruleNumber ? ` rule ${d.ruleNumber}` : ''}${d.cidr ? ` ${d.cidr}` : ''}${d.repaired ? ` → ${d.repaired}` : ' (left alone)'}`,
      ),
    });
  }
  return report;
}

async function release(ledger: Ledger, row: ActiveBlock, repair: Repair, now: Date): Promise<Repair> {
  await ledger.release(row, row.cidr, row.blockId);
  await ledger.closeRecord(
    row.blockId,
    repair === 'REMOVED_EXPIRED_ENTRY' ? 'RECONCILED' : 'REMOVED_BY_HAND',
    now.toISOString(),
  );
  return repair;
}

async function executionRuns(deps: TaskDeps, executionArn: string): Promise<boolean> {
  const { securityAccountId, homeRegion } = deps.config.organization;
  try {
    const out = await deps.clients
      .client(SFNClient, { account: securityAccountId, region: homeRegion })
      .send(new DescribeExecutionCommand({ executionArn }));
    return out.status === 'RUNNING';
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'ExecutionDoesNotExist' || name === 'InvalidArn') return false;
    return classifyAwsError(error, 'checking the block’s execution');
  }
}
