import type { AuditStory } from '../model';

/** The figures over all stories that the JSON output carries and the HTML report charts. */
export interface Count {
  key: string;
  count: number;
}

export interface AuditSummary {
  executions: number;
  byStatus: Count[];
  byWorkflow: Count[];
  /** Entries Warden put in a NACL (BLOCKED or EVICTED_OLDEST). */
  blocks: number;
  blocksPerDay: Count[];
  blocksByAccount: Count[];
  blocksByFindingType: Count[];
  approvals: { approved: number; rejected: number; timedOut: number; pending: number };
  /** Seconds from request to decision, ascending. */
  approvalLatencySeconds: number[];
}

const APPLIED = new Set(['BLOCKED', 'EVICTED_OLDEST']);

export function isApplied(outcome: string): boolean {
  return APPLIED.has(outcome);
}

export function summarise(stories: readonly AuditStory[]): AuditSummary {
  const blocks = stories.flatMap((s) =>
    s.naclChanges
      .filter((c) => isApplied(c.outcome))
      .map((c) => ({
        day: c.at.slice(0, 10),
        account: c.accountId ?? 'unknown',
        type: s.trigger?.kind === 'guardduty-finding' ? (s.trigger.type ?? 'unknown') : 'unknown',
      })),
  );
  const approvals = stories.flatMap((s) => (s.approval ? [s.approval] : []));
  return {
    executions: stories.length,
    byStatus: tally(stories.map((s) => s.execution.status)),
    byWorkflow: tally(stories.map((s) => s.execution.workflow)),
    blocks: blocks.length,
    blocksPerDay: tally(blocks.map((b) => b.day)).sort((a, b) => (a.key < b.key ? -1 : 1)),
    blocksByAccount: tally(blocks.map((b) => b.account)),
    blocksByFindingType: tally(blocks.map((b) => b.type)),
    approvals: {
      approved: approvals.filter((a) => a.outcome === 'APPROVED').length,
      rejected: approvals.filter((a) => a.outcome === 'REJECTED').length,
      timedOut: approvals.filter((a) => a.outcome === 'TIMED_OUT').length,
      pending: approvals.filter((a) => a.outcome === 'PENDING').length,
    },
    approvalLatencySeconds: approvals
      .filter((a) => a.outcome === 'APPROVED' || a.outcome === 'REJECTED')
      .flatMap((a) => (a.latencySeconds === null ? [] : [a.latencySeconds]))
      .sort((a, b) => a - b),
  };
}

/** Counts per key, most frequent first, then by key. */
function tally(keys: readonly string[]): Count[] {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return [...counts]
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
