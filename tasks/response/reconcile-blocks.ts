import type { NetworkAclEntry } from '@aws-sdk/client-ec2';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { call } from '../shared/aws-call';
import { taskEnvironment } from '../shared/environment';
import { MemberRoleUnavailableError } from '../shared/errors';
import { lambdaHandler } from '../shared/lambda';
import { publish } from '../shared/notifications';
import { defineTask, type TaskDeps } from '../shared/task';
import { type ActiveBlock, Ledger, type NaclRef, naclKey } from './ledger';
import { readLedgerActivity } from './ledger-activity';
import { readNaclEntries } from './nacl-batch-reader';
import { isWardensEntry, NetworkAcls } from './network-acls';

/**
 * Compares the ledger with the NACLs and repairs what belongs to Warden. It reads only the NACLs
 * with an active block or one that expired recently (a query on the ledger's index, so a run
 * grows with what is active, not with history), each account-region's NACLs in batched
 * DescribeNetworkAcls calls, account-regions in parallel; after `accountRegionsPerInvocation`
 * (400: an invocation then stays far inside its 60 s timeout under throttling, as bench:scale
 * measures) it returns a checkpoint and the workflow invokes it again from there:
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
    /** NACLs whose blocks expired within this many hours are checked too. @default 24 */
    recentHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .default(24),
    /** Account-regions per invocation before it hands back a checkpoint. */
    accountRegionsPerInvocation: z.number().int().min(1).max(5000).default(400),
    /** The previous invocation's report, when it stopped part-way (the workflow passes it back). */
    report: z
      .object({
        resumeAfter: z.string().min(1).optional(),
        naclsChecked: z.number().int().min(0),
        driftCount: z.number().int().min(0),
        repaired: z.number().int().min(0),
        drift: z.array(z.object({ naclId: z.string() }).passthrough()),
        runs: z.number().int().min(1),
      })
      .passthrough()
      .optional(),
  })
  .passthrough()
  .default({ reportOnly: false, graceMinutes: 15, recentHours: 24, accountRegionsPerInvocation: 400 });
type Input = z.infer<typeof Input>;

/** Account-regions read at once inside one invocation. */
export const ACCOUNT_REGION_CONCURRENCY = 16;
/** Differences carried in the report and the notification; the count is always complete. */
export const DRIFT_REPORTED = 100;

export type Repair = 'REMOVED_EXPIRED_ENTRY' | 'RELEASED_MISSING_ENTRY' | 'RELEASED_NACL_GONE';
export type Drift =
  | 'ENTRY_NOT_IN_LEDGER'
  | 'ENTRY_CHANGED'
  | 'ENTRY_MISSING'
  | 'NACL_GONE'
  | 'EXPIRED_NOT_REMOVED'
  | 'MEMBER_ROLE_UNAVAILABLE';

export interface DriftItem {
  naclId: string;
  account: string;
  region: string;
  kind: Drift;
  ruleNumber?: number;
  cidr?: string;
  repaired?: Repair;
}

export interface ReconcileReport {
  naclsChecked: number;
  activeBlocks: number;
  /** The first DRIFT_REPORTED differences. */
  drift: DriftItem[];
  /** Every difference found. */
  driftCount: number;
  repaired: number;
  reportOnly: boolean;
  /** Set when this invocation stopped part-way: the account-region key to continue after. */
  resumeAfter?: string;
  /** Invocations so far in this reconcile. */
  runs: number;
}

export const reconcileBlocksTask = defineTask({
  id: 'ReconcileBlocks',
  entry: __filename,
  environment: taskEnvironment('LEDGER_TABLE', 'TOPIC_ARN'),
  input: Input,
  needs: {
    tables: { ledger: 'write' },
    assumeMemberRole: true,
    memberActions: ['ec2:DescribeNetworkAcls', 'ec2:DeleteNetworkAclEntry'],
    publish: true,
    actions: ['states:DescribeExecution'],
  },
  run: reconcileBlocks,
});

export const handler = lambdaHandler(reconcileBlocksTask);

export async function reconcileBlocks(input: Input, deps: TaskDeps): Promise<ReconcileReport> {
  const now = deps.now();
  const graceEdge = new Date(now.getTime() - input.graceMinutes * 60_000).toISOString();
  const since = new Date(now.getTime() - input.recentHours * 3_600_000).toISOString();
  const activity = await readLedgerActivity(deps, since);
  // The NACLs of each account-region, in a stable order so that a checkpoint means the same next time.
  const groups = new Map<string, NaclRef[]>();
  for (const ref of activity.nacls) {
    const key = `${ref.account}#${ref.region}`;
    groups.set(key, [...(groups.get(key) ?? []), ref]);
  }
  const rowsByNacl = new Map<string, ActiveBlock[]>();
  for (const block of activity.active) {
    const key = naclKey(block);
    rowsByNacl.set(key, [...(rowsByNacl.get(key) ?? []), block]);
  }
  const previous = input.report;
  const keys = [...groups.keys()].sort().filter((k) => !previous?.resumeAfter || k > previous.resumeAfter);
  const thisRun = keys.slice(0, input.accountRegionsPerInvocation);
  const report: ReconcileReport = {
    naclsChecked: previous?.naclsChecked ?? 0,
    activeBlocks: activity.active.length,
    drift: (previous?.drift as DriftItem[] | undefined) ?? [],
    driftCount: previous?.driftCount ?? 0,
    repaired: previous?.repaired ?? 0,
    reportOnly: input.reportOnly,
    runs: (previous?.runs ?? 0) + 1,
  };
  const found = (item: DriftItem) => {
    report.driftCount += 1;
    if (item.repaired) report.repaired += 1;
    if (report.drift.length < DRIFT_REPORTED) report.drift.push(item);
  };
  // Each account-region collects its own differences; they are added in key order, so the report
  // does not depend on which account-region answered first.
  const results = new Map<string, DriftItem[]>();
  const context: Omit<Context, 'found'> = {
    input,
    deps,
    graceEdge,
    now,
    rowsByNacl,
    ledger: new Ledger(deps),
  };
  await inPool(thisRun, ACCOUNT_REGION_CONCURRENCY, async (key) => {
    const items: DriftItem[] = [];
    const checked = await reconcileAccountRegion(groups.get(key)!, {
      ...context,
      found: (item) => items.push(item),
    });
    report.naclsChecked += checked;
    results.set(key, items);
  });
  for (const key of thisRun) for (const item of results.get(key) ?? []) found(item);
  if (thisRun.length < keys.length) {
    report.resumeAfter = thisRun.at(-1);
    return report;
  }
  if (report.driftCount) {
    const { securityAccountId, homeRegion } = deps.config.organization;
    const more = report.driftCount - report.drift.length;
    await publish(deps, {
      category: 'DRIFT',
      severity: 'MEDIUM',
      account: securityAccountId,
      region: homeRegion,
      subject: `Warden found ${report.driftCount} difference(s) between its ledger and the NACLs`,
      lines: [
        ...report.drift.map(
          (d) =>
            `• ${d.account} ${d.region} ${d.naclId}: ${d.kind}${d.ruleNumber ? ` rule ${d.ruleNumber}` : ''}${d.cidr ? ` ${d.cidr}` : ''}${d.repaired ? ` → ${d.repaired}` : ' (left alone)'}`,
        ),
        ...(more > 0 ? [`… and ${more} more (warden reconcile --report-only lists them)`] : []),
      ],
    });
  }
  return report;
}

interface Context {
  input: Input;
  deps: TaskDeps;
  graceEdge: string;
  now: Date;
  found: (item: DriftItem) => void;
  rowsByNacl: Map<string, ActiveBlock[]>;
  ledger: Ledger;
}

/** One account-region: its NACLs read in batches, then each compared with its ledger rows. */
async function reconcileAccountRegion(refs: NaclRef[], c: Context): Promise<number> {
  const { account, region } = refs[0]!;
  let entriesById: Map<string, NetworkAclEntry[]>;
  try {
    entriesById = await readNaclEntries(
      c.deps,
      account,
      region,
      refs.map((r) => r.naclId),
    );
  } catch (error) {
    if (!(error instanceof MemberRoleUnavailableError)) throw error;
    for (const ref of refs) c.found({ ...ref, kind: 'MEMBER_ROLE_UNAVAILABLE' });
    return 0;
  }
  for (const ref of refs) await reconcileNacl(ref, entriesById.get(ref.naclId), c);
  return refs.length;
}

async function reconcileNacl(ref: NaclRef, entries: NetworkAclEntry[] | undefined, c: Context) {
  const { input, deps, graceEdge, now, found, ledger } = c;
  const band = deps.config.response.ruleBand;
  const rows = c.rowsByNacl.get(naclKey(ref)) ?? [];
  if (!entries) {
    for (const row of rows) {
      const repaired = input.reportOnly ? undefined : await release(ledger, row, 'RELEASED_NACL_GONE', now);
      found({ ...ref, kind: 'NACL_GONE', cidr: row.cidr, ruleNumber: row.ruleNumber, repaired });
    }
    return;
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
      found({ ...ref, kind, cidr: row.cidr, ruleNumber: row.ruleNumber, repaired });
      continue;
    }
    if (row.expiresAt > graceEdge || (await executionRuns(deps, row.executionArn))) continue;
    let repaired: Repair | undefined;
    if (!input.reportOnly) {
      await new NetworkAcls(deps).deleteEntry(ref, row.ruleNumber);
      repaired = await release(ledger, row, 'REMOVED_EXPIRED_ENTRY', now);
    }
    found({ ...ref, kind: 'EXPIRED_NOT_REMOVED', cidr: row.cidr, ruleNumber: row.ruleNumber, repaired });
  }
  for (const entry of entries) {
    const n = entry.RuleNumber ?? 0;
    if (entry.Egress || n < band.start || n > band.end || named.has(n)) continue;
    found({
      ...ref,
      kind: 'ENTRY_NOT_IN_LEDGER',
      ruleNumber: n,
      cidr: entry.CidrBlock ?? entry.Ipv6CidrBlock,
    });
  }
}

/** Runs `work` over `items`, at most `limit` at once. */
async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
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
  const gone = () => undefined;
  const out = await call(
    'checking the block’s execution',
    () =>
      deps.clients
        .client(SFNClient, { account: securityAccountId, region: homeRegion })
        .send(new DescribeExecutionCommand({ executionArn })),
    { ExecutionDoesNotExist: gone, InvalidArn: gone },
  );
  return out?.status === 'RUNNING';
}
