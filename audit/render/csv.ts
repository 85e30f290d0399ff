import type { AuditStory } from '../model';
import { approvalText, liftText, naclText, triggerText } from './cells';

/**
 * One row per execution, RFC 4180: every field that holds a comma, a quote, a line break or
 * surrounding spaces is quoted, quotes doubled; lines end with CRLF.
 */
export const CSV_COLUMNS = [
  'started_at',
  'stopped_at',
  'workflow',
  'execution',
  'status',
  'trigger',
  'finding_id',
  'finding_type',
  'severity',
  'account',
  'region',
  'decision',
  'decision_reason',
  'rule',
  'addresses',
  'approval',
  'approver',
  'approval_reason',
  'decided_at',
  'approval_latency_seconds',
  'nacl_changes',
  'lifts',
  'notifications',
  'errors',
  'outcome',
] as const;

export function renderCsv(stories: readonly AuditStory[]): string {
  const rows = stories.map((s) => csvRow(s));
  return [CSV_COLUMNS.join(','), ...rows.map((r) => r.map(csvField).join(','))]
    .map((l) => `${l}\r\n`)
    .join('');
}

function csvRow(s: AuditStory): string[] {
  const finding = s.trigger?.kind === 'guardduty-finding' ? s.trigger : null;
  const account =
    finding?.accountId ??
    (s.trigger?.kind === 'control-tower' ? s.trigger.accountId : null) ??
    s.onboarding?.accounts.map((a) => a.accountId).join(' ') ??
    '';
  const values: Record<(typeof CSV_COLUMNS)[number], string | number | null> = {
    started_at: s.execution.startedAt,
    stopped_at: s.execution.stoppedAt,
    workflow: s.execution.workflow,
    execution: s.execution.name,
    status: s.execution.status,
    trigger: triggerText(s),
    finding_id: finding?.findingId ?? null,
    finding_type: finding?.type ?? null,
    severity: finding?.severity ?? null,
    account,
    region: finding?.region ?? null,
    decision: s.triage?.decision ?? null,
    decision_reason: s.triage?.reason ?? null,
    rule: s.triage?.rule ?? null,
    addresses: (s.triage?.addresses ?? []).map((a) => `${a.cidr} ${a.action}`).join('; '),
    approval: s.approval ? approvalText(s) : null,
    approver: s.approval?.approver ?? null,
    approval_reason: s.approval?.reason ?? null,
    decided_at: s.approval?.decidedAt ?? null,
    approval_latency_seconds: s.approval?.latencySeconds ?? null,
    nacl_changes: naclText(s),
    lifts: liftText(s),
    notifications: s.notifications
      .map(
        (n) =>
          `${n.category ?? 'notification'} ${n.published ? 'sent' : `not sent (${n.reason ?? 'unknown'})`}`,
      )
      .join('; '),
    errors: s.errors.map((e) => `${e.error}: ${e.cause}`).join('; '),
    outcome: s.outcome,
  };
  return CSV_COLUMNS.map((c) => {
    const v = values[c];
    return v === null || v === undefined ? '' : String(v);
  });
}

/**
 * A spreadsheet runs a cell that starts with = + - @ as a formula; a leading apostrophe keeps an
 * approver's free-text reason (or a finding title) from doing that. Numbers stay numbers.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
