import type { NotificationCategory, TriageAction, WardenConfig } from '../../config/schema';
import type { TriageReport } from '../triage/report';

/**
 * The running totals of a replay. Memory grows with the number of distinct attacker addresses
 * and policy rules, never with the number of findings: per-finding results are not kept.
 */
export interface ReplayTotals {
  /** Findings that parsed and were triaged. */
  findings: number;
  decisions: Record<TriageAction, number>;
  /** Findings whose decision is not the policy's own, by the guard that overruled it. */
  overruled: Record<string, number>;
  /** Findings per policy rule that decided them. */
  rules: Record<string, number>;
  /** Findings that would be handled as a dry run: GuardDuty samples, or the config's dry-run mode. */
  dryRun: { sampleFindings: number; modeDryRun: boolean };
  /** The first notification each finding would publish, by category. */
  notifications: Record<string, number>;
  /** Notifications the config switches off (`notifications.disabled`), by category. */
  notificationsSuppressed: Record<string, number>;
  addresses: {
    /** Address decisions (one per distinct address per finding), by action. */
    actions: Record<'BLOCK' | 'APPROVAL' | 'NOTIFY' | 'NONE', number>;
    /** Distinct CIDRs Warden would deny on its own (BLOCK_AUTO). */
    distinctAutoBlocked: number;
    /** Distinct CIDRs Warden would deny after an approval. */
    distinctAfterApproval: number;
    /** Distinct CIDRs in either of the two. */
    distinctWouldBlock: number;
    /** Why addresses are not blocked: never-block ranges, guards, policy. */
    notBlockedReasons: Record<string, number>;
    /** The addresses in most findings among those that would be blocked. */
    top: Array<{ cidr: string; findings: number; action: 'BLOCK' | 'APPROVAL' }>;
  };
  invalid: {
    count: number;
    /** The first MAX_LISTED_INVALID problems, in input order. */
    first: Array<{ where: string; error: string }>;
  };
}

export const MAX_LISTED_INVALID = 100;
const TOP_ADDRESSES = 10;

export class ReplayTally {
  private findings = 0;
  private readonly decisions: Record<TriageAction, number> = {
    IGNORE: 0,
    NOTIFY: 0,
    BLOCK_WITH_APPROVAL: 0,
    BLOCK_AUTO: 0,
  };
  private readonly overruled = new Map<string, number>();
  private readonly rules = new Map<string, number>();
  private sampleFindings = 0;
  private readonly notifications = new Map<string, number>();
  private readonly suppressed = new Map<string, number>();
  private readonly actions = { BLOCK: 0, APPROVAL: 0, NOTIFY: 0, NONE: 0 };
  private readonly notBlocked = new Map<string, number>();
  /** Findings per CIDR that would be denied, by how. */
  private readonly autoBlocked = new Map<string, number>();
  private readonly afterApproval = new Map<string, number>();
  private invalidCount = 0;
  private readonly invalidFirst: Array<{ where: string; error: string }> = [];
  private readonly disabled: ReadonlySet<string>;

  constructor(private readonly config: Pick<WardenConfig, 'response' | 'notifications'>) {
    this.disabled = new Set(config.notifications.disabled);
  }

  add(report: TriageReport): void {
    this.findings += 1;
    this.decisions[report.decision] += 1;
    if (report.reason !== 'POLICY') bump(this.overruled, report.reason);
    bump(this.rules, report.rule);
    const sample = report.dryRunReasons.includes('SAMPLE_FINDING');
    if (sample) this.sampleFindings += 1;

    const category = notificationOf(report);
    if (category) bump(this.disabled.has(category) ? this.suppressed : this.notifications, category);

    for (const a of report.addresses) {
      this.actions[a.action] += 1;
      if (a.action === 'BLOCK' || a.action === 'APPROVAL') {
        // A sample finding never blocks anything, whatever the mode.
        if (sample) bump(this.notBlocked, 'SAMPLE_FINDING');
        else bump(a.action === 'BLOCK' ? this.autoBlocked : this.afterApproval, a.cidr);
      } else {
        bump(this.notBlocked, a.reason);
      }
    }
  }

  addInvalid(where: string, error: string): void {
    this.invalidCount += 1;
    if (this.invalidFirst.length < MAX_LISTED_INVALID) this.invalidFirst.push({ where, error });
  }

  get count(): number {
    return this.findings;
  }

  totals(): ReplayTotals {
    const union = new Set([...this.autoBlocked.keys(), ...this.afterApproval.keys()]);
    const ranked = [
      ...[...this.autoBlocked].map(([cidr, findings]) => ({ cidr, findings, action: 'BLOCK' as const })),
      ...[...this.afterApproval].map(([cidr, findings]) => ({ cidr, findings, action: 'APPROVAL' as const })),
    ]
      .sort((a, b) => b.findings - a.findings || a.cidr.localeCompare(b.cidr))
      .slice(0, TOP_ADDRESSES);
    return {
      findings: this.findings,
      decisions: { ...this.decisions },
      overruled: sorted(this.overruled),
      rules: sorted(this.rules),
      dryRun: { sampleFindings: this.sampleFindings, modeDryRun: this.config.response.mode === 'dry-run' },
      notifications: sorted(this.notifications),
      notificationsSuppressed: sorted(this.suppressed),
      addresses: {
        actions: { ...this.actions },
        distinctAutoBlocked: this.autoBlocked.size,
        distinctAfterApproval: this.afterApproval.size,
        distinctWouldBlock: union.size,
        notBlockedReasons: sorted(this.notBlocked),
        top: ranked,
      },
      invalid: { count: this.invalidCount, first: [...this.invalidFirst] },
    };
  }
}

/** The category of the first message Warden publishes for a finding with this decision. */
export function notificationOf(report: TriageReport): NotificationCategory | null {
  switch (report.decision) {
    case 'IGNORE':
      return null;
    case 'NOTIFY':
      return report.category;
    case 'BLOCK_WITH_APPROVAL':
      return 'APPROVAL_REQUESTED';
    case 'BLOCK_AUTO':
      return 'BLOCKED';
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Largest first, then by name, as a plain object for JSON. */
function sorted(map: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...map].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}
