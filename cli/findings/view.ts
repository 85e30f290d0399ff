import type { Finding } from '@aws-sdk/client-guardduty';
import type { WardenState } from '../../audit/findings/warden-state';
import type { WardenConfig } from '../../config/schema';
import { matchesGlob, severityBand } from '../../tasks/response/policy';
import type { AddressAction } from '../../tasks/response/triage';
import { InvalidFindingError } from '../../tasks/shared/errors';
import { oneLine, triageRecord } from '../triage/report';

/**
 * The organisation's findings in one view: counts by severity band, type, account and region,
 * and the attacker addresses seen most, each with what Warden did about it (from its ledger and
 * approvals) or, when it did nothing, what its policy says and why.
 */
export interface AttackerSummary {
  cidr: string;
  findings: number;
  accounts: string[];
  types: string[];
  lastSeen: string;
  /** The strongest action the policy takes on this address in any of its findings. */
  policyAction: AddressAction;
  /** Why, for the finding behind `policyAction` (a never-block reason, a guard, the policy). */
  policyReason: string;
  /** What Warden did: `BLOCKED`, `WAS_BLOCKED`, `APPROVAL_PENDING`, `APPROVAL_REJECTED`, or `NOTHING`. */
  warden: WardenOutcome;
  /** A sentence for people: `blocked in nacl-0a1b until 2026-03-02T10:00Z`, `never blocked: PRIVATE`. */
  detail: string;
}

export type WardenOutcome = 'BLOCKED' | 'WAS_BLOCKED' | 'APPROVAL_PENDING' | 'APPROVAL_DECIDED' | 'NOTHING';

export interface FindingsViewResult {
  total: number;
  bySeverity: Record<string, number>;
  byType: Record<string, number>;
  byAccount: Record<string, number>;
  byRegion: Record<string, number>;
  topAttackers: AttackerSummary[];
  /** Findings Warden could not read (and so cannot triage), with the reason for the first few. */
  unreadable: { count: number; first: string[] };
  /** What was read and from where. */
  source: { description: string; regions: string[]; listCalls: number; getCalls: number };
}

export type { WardenState };

const RANK: Record<AddressAction, number> = { BLOCK: 3, APPROVAL: 2, NOTIFY: 1, NONE: 0 };
const MAX_UNREADABLE_LISTED = 5;

export class FindingsView {
  private total = 0;
  private readonly bySeverity = new Map<string, number>();
  private readonly byType = new Map<string, number>();
  private readonly byAccount = new Map<string, number>();
  private readonly byRegion = new Map<string, number>();
  private readonly attackers = new Map<
    string,
    {
      findings: number;
      accounts: Set<string>;
      types: Set<string>;
      lastSeen: string;
      action: AddressAction;
      reason: string;
    }
  >();
  private unreadable = 0;
  private readonly unreadableFirst: string[] = [];

  constructor(
    private readonly config: Pick<WardenConfig, 'response'>,
    /** Globs the API could not filter by; matched here. */
    private readonly typeGlobs: string[] = [],
  ) {}

  add(finding: Finding): void {
    const type = finding.Type ?? 'unknown';
    if (this.typeGlobs.length && !this.typeGlobs.some((g) => matchesGlob(g, type))) return;
    this.total += 1;
    bump(this.bySeverity, finding.Severity === undefined ? 'UNKNOWN' : severityBand(finding.Severity));
    bump(this.byType, type);
    bump(this.byAccount, finding.AccountId ?? 'unknown');
    bump(this.byRegion, finding.Region ?? 'unknown');
    let report: ReturnType<typeof triageRecord>['report'];
    try {
      report = triageRecord(finding, this.config).report;
    } catch (error) {
      if (!(error instanceof InvalidFindingError)) throw error;
      this.unreadable += 1;
      if (this.unreadableFirst.length < MAX_UNREADABLE_LISTED) {
        this.unreadableFirst.push(`${finding.Id ?? '(no id)'}: ${oneLine(error)}`);
      }
      return;
    }
    const seen = finding.UpdatedAt ?? '';
    for (const a of report.addresses) {
      const entry = this.attackers.get(a.cidr) ?? {
        findings: 0,
        accounts: new Set<string>(),
        types: new Set<string>(),
        lastSeen: '',
        action: a.action,
        reason: a.reason,
      };
      entry.findings += 1;
      entry.accounts.add(report.accountId);
      entry.types.add(report.type);
      if (seen > entry.lastSeen) entry.lastSeen = seen;
      if (RANK[a.action] > RANK[entry.action]) {
        entry.action = a.action;
        entry.reason = a.reason;
      }
      this.attackers.set(a.cidr, entry);
    }
  }

  result(state: WardenState | null, source: FindingsViewResult['source'], top = 10): FindingsViewResult {
    const attackers = [...this.attackers]
      .sort((a, b) => b[1].findings - a[1].findings || a[0].localeCompare(b[0]))
      .slice(0, top)
      .map(([cidr, e]): AttackerSummary => {
        const { warden, detail } = outcomeFor(cidr, e.action, e.reason, state);
        return {
          cidr,
          findings: e.findings,
          accounts: [...e.accounts].sort(),
          types: [...e.types].sort(),
          lastSeen: e.lastSeen,
          policyAction: e.action,
          policyReason: e.reason,
          warden,
          detail,
        };
      });
    return {
      total: this.total,
      bySeverity: sorted(this.bySeverity),
      byType: sorted(this.byType),
      byAccount: sorted(this.byAccount),
      byRegion: sorted(this.byRegion),
      topAttackers: attackers,
      unreadable: { count: this.unreadable, first: [...this.unreadableFirst] },
      source,
    };
  }
}

function outcomeFor(
  cidr: string,
  action: AddressAction,
  reason: string,
  state: WardenState | null,
): { warden: WardenOutcome; detail: string } {
  const active = state?.activeBlocks.filter((b) => b.cidr === cidr) ?? [];
  if (active.length) {
    const nacls = [...new Set(active.map((b) => b.naclId))].join(', ');
    const until = active.map((b) => b.expiresAt).sort()[active.length - 1];
    return { warden: 'BLOCKED', detail: `blocked in ${nacls} until ${until}` };
  }
  const pending = state?.approvals.find((a) => a.status === 'PENDING' && a.cidrs.includes(cidr));
  if (pending) return { warden: 'APPROVAL_PENDING', detail: `approval pending until ${pending.expiresAt}` };
  const records = (state?.blockRecords ?? []).filter((r) => r.cidr === cidr && !r.dryRun);
  if (records.length) {
    const last = records.sort((a, b) => a.createdAt.localeCompare(b.createdAt))[records.length - 1]!;
    return {
      warden: 'WAS_BLOCKED',
      detail:
        `blocked ${last.createdAt}${last.removal ? `, ${last.removal.toLowerCase().replace(/_/g, ' ')} ${last.removedAt ?? ''}` : ''}`.trim(),
    };
  }
  const decided = state?.approvals.find((a) => a.status !== 'PENDING' && a.cidrs.includes(cidr));
  if (decided) {
    return {
      warden: 'APPROVAL_DECIDED',
      detail: `approval ${decided.status.toLowerCase()}${decided.decidedBy ? ` by ${decided.decidedBy}` : ''}`,
    };
  }
  const policy =
    action === 'BLOCK'
      ? 'policy: block automatically'
      : action === 'APPROVAL'
        ? 'policy: ask for approval'
        : action === 'NOTIFY'
          ? `not blockable: ${reason}`
          : `never blocked: ${reason}`;
  return { warden: 'NOTHING', detail: state ? `nothing recorded; ${policy}` : policy };
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function sorted(map: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...map].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}
