import type { NotificationCategory, PolicyRule, SEVERITY_BANDS, TriageAction } from '../../config/schema';
import type { Finding } from './finding';

export type SeverityBand = (typeof SEVERITY_BANDS)[number];

/** What the policy says about a finding, before any never-block guard has had its say. */
export interface PolicyDecision {
  action: TriageAction;
  /** The name of the rule that decided, or `no matching rule`. */
  rule: string;
  category: NotificationCategory;
}

export interface PolicyContext {
  /** The OU of the finding's account; rules restricted to OUs never match without it. */
  organizationalUnitId?: string;
}

export const NO_MATCHING_RULE = 'no matching rule';

/**
 * GuardDuty's bands are Low 1.0–3.9, Medium 4.0–6.9, High 7.0–8.9, Critical 9.0–10.0. Each band
 * starts at its lower bound and runs up to the next band's, so the written edges leave no gaps:
 * 3.95 has not reached 4.0 and is LOW, 6.99 is MEDIUM, 8.95 is HIGH. Severities below 1.0 (which
 * GuardDuty does not emit) are LOW.
 */
export function severityBand(severity: number): SeverityBand {
  if (severity >= 9) return 'CRITICAL';
  if (severity >= 7) return 'HIGH';
  if (severity >= 4) return 'MEDIUM';
  return 'LOW';
}

/**
 * Matches a finding type against a glob where `*` stands for any run of characters (also none,
 * also `:` and `/`); every other character matches itself, case-sensitively. Built on indexOf
 * rather than a RegExp so that a config full of `*` cannot cause catastrophic backtracking.
 */
export function matchesGlob(pattern: string, value: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === value;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (first.length + last.length > value.length || !value.startsWith(first) || !value.endsWith(last)) {
    return false;
  }
  // Each middle part matched at its leftmost place leaves the most room for the ones after it.
  let position = first.length;
  const end = value.length - last.length;
  for (const part of parts.slice(1, -1)) {
    const found = value.indexOf(part, position);
    if (found === -1 || found + part.length > end) return false;
    position = found + part.length;
  }
  return true;
}

/** True when every condition the rule sets holds for the finding; an absent condition holds. */
export function ruleMatches(rule: PolicyRule, finding: Finding, context: PolicyContext = {}): boolean {
  if (rule.types && !rule.types.some((glob) => matchesGlob(glob, finding.type))) return false;
  if (rule.severities && !rule.severities.includes(severityBand(finding.severity))) return false;
  if (rule.resourceRole && finding.service.resourceRole !== rule.resourceRole) return false;
  if (rule.accounts && !rule.accounts.includes(finding.accountId)) return false;
  if (rule.organizationalUnits) {
    const ou = context.organizationalUnitId;
    if (ou === undefined || !rule.organizationalUnits.includes(ou)) return false;
  }
  if (rule.tags) {
    const tags = new Map(
      (finding.resource.instanceDetails?.tags ?? []).map((tag) => [tag.key, tag.value ?? ''] as const),
    );
    for (const [key, value] of Object.entries(rule.tags)) if (tags.get(key) !== value) return false;
  }
  return true;
}

/** The first rule that matches decides; with none, the finding is ignored. */
export function evaluatePolicy(
  finding: Finding,
  policy: readonly PolicyRule[],
  context: PolicyContext = {},
): PolicyDecision {
  const rule = policy.find((r) => ruleMatches(r, finding, context));
  if (!rule) return { action: 'IGNORE', rule: NO_MATCHING_RULE, category: 'FINDING' };
  return { action: rule.action, rule: rule.name, category: rule.category ?? 'FINDING' };
}
