import type { AuditStory } from '../../audit/model';
import { RECORDED_STATUS } from '../../audit/story-decision';
import type { WorkflowName } from '../../audit/workflows';
import { ACCOUNT_ID } from '../../config/aws-names';
import { UsageError } from './errors';
import { selectWorkflows, wantsDecisions } from './select-workflows';

/**
 * Which executions and decision records the audit covers. Workflow, status and time range are
 * checked on the listing (before any history is read); account, finding and address need the
 * story. Decision records (ignored findings, which start no execution) are workflow `ignored`
 * with status RECORDED, and take every other filter as executions do.
 */
export interface AuditFilter {
  /** The state machines whose executions are read (none when only decision records are wanted). */
  workflows: WorkflowName[];
  /** Whether the decision records of ignored findings are read. */
  decisions: boolean;
  statuses: string[] | null;
  since: Date | null;
  until: Date | null;
  account: string | null;
  finding: string | null;
  address: string | null;
}

export interface FilterOptions {
  workflow?: string;
  status?: string;
  since?: string;
  until?: string;
  account?: string;
  finding?: string;
  address?: string;
}

const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];
const STATUSES = [...EXECUTION_STATUSES, RECORDED_STATUS];
const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseFilter(options: FilterOptions, now: Date): AuditFilter {
  const statuses = options.status
    ? options.status.split(',').map((s) => {
        const status = s.trim().toUpperCase();
        if (!STATUSES.includes(status)) {
          throw new UsageError(`--status must be one of ${STATUSES.join(', ')}, got '${s.trim()}'`);
        }
        return status;
      })
    : null;
  const since = options.since === undefined ? null : parseTime('--since', options.since, now);
  const until = options.until === undefined ? null : parseTime('--until', options.until, now);
  if (since && until && since > until) {
    throw new UsageError(`--since (${since.toISOString()}) is after --until (${until.toISOString()})`);
  }
  if (options.account !== undefined && !ACCOUNT_ID.test(options.account)) {
    throw new UsageError(`--account must be a 12-digit AWS account id, got '${options.account}'`);
  }
  if (options.finding !== undefined && options.finding.trim() === '') {
    throw new UsageError('--finding must not be empty');
  }
  if (options.address !== undefined && !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(options.address)) {
    throw new UsageError(`--address must be an IPv4 or IPv6 address or CIDR, got '${options.address}'`);
  }
  // A status filter that names only RECORDED wants no execution, and one without it no record.
  const executionsWanted = !statuses || statuses.some((s) => EXECUTION_STATUSES.includes(s));
  const workflows = selectWorkflows(options.workflow);
  return {
    workflows: executionsWanted ? workflows : [],
    decisions: wantsDecisions(options.workflow) && (!statuses || statuses.includes(RECORDED_STATUS)),
    statuses,
    since,
    until,
    account: options.account ?? null,
    finding: options.finding ?? null,
    address: options.address?.toLowerCase() ?? null,
  };
}

/** ISO 8601 (`2026-03-01`, `2026-03-01T10:00:00Z`) or a time ago: `30m`, `12h`, `7d`, `2w`. */
export function parseTime(option: string, value: string, now: Date): Date {
  const relative = /^(\d+)([mhdw])$/.exec(value.trim());
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNITS[relative[2]!]!);
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) {
    const parsed = new Date(value.trim());
    if (!Number.isNaN(parsed.getTime())) return parsed;
  }
  throw new UsageError(
    `${option} must be an ISO 8601 time or a time ago such as 7d, 12h, 30m, got '${value}'`,
  );
}

/** The listing-level checks: status and start time. */
export function matchesListing(filter: AuditFilter, item: { status: string; startDate: string }): boolean {
  if (filter.statuses && !filter.statuses.includes(item.status)) return false;
  const started = Date.parse(item.startDate);
  if (filter.since && started < filter.since.getTime()) return false;
  if (filter.until && started > filter.until.getTime()) return false;
  return true;
}

export function matchesStory(filter: AuditFilter, story: AuditStory): boolean {
  if (!matchesListing(filter, { status: story.execution.status, startDate: story.execution.startedAt }))
    return false;
  if (filter.account && !accountsOf(story).has(filter.account)) return false;
  if (
    filter.finding &&
    !(story.trigger?.kind === 'guardduty-finding' && story.trigger.findingId === filter.finding)
  ) {
    return false;
  }
  if (filter.address && !addressesOf(story).has(filter.address)) return false;
  return true;
}

function accountsOf(story: AuditStory): Set<string> {
  const out = new Set<string>();
  const t = story.trigger;
  if (t?.kind === 'guardduty-finding' || t?.kind === 'control-tower') if (t.accountId) out.add(t.accountId);
  if (t?.kind === 'request') for (const a of t.accounts) out.add(a);
  for (const c of story.naclChanges) if (c.accountId) out.add(c.accountId);
  for (const a of story.onboarding?.accounts ?? []) out.add(a.accountId);
  return out;
}

/** Both the address and its CIDR match: `203.0.113.20` and `203.0.113.20/32` find the same block. */
function addressesOf(story: AuditStory): Set<string> {
  const out = new Set<string>();
  const add = (value: string) => {
    out.add(value.toLowerCase());
    out.add(value.toLowerCase().replace(/\/(32|128)$/, ''));
  };
  for (const a of story.triage?.addresses ?? []) {
    add(a.address);
    add(a.cidr);
  }
  for (const c of story.naclChanges) add(c.cidr);
  for (const l of story.lifts) add(l.cidr);
  return out;
}
