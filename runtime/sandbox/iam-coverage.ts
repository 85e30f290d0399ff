import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type PolicyDocument, type PolicyStatement, statementsOf } from './policy-document';

/**
 * Which statement of which declared role allowed which calls. The IAM enforcement records every
 * allowed call against the identity-policy statements that allowed it; roles that a template
 * declares (`RoleSpec.declaredBy`) are listed statement by statement, so that a statement that
 * allowed nothing shows up: least privilege, proven from both sides.
 *
 * A role deployed into many accounts (the StackSet's member role) is one entry: statements are
 * keyed by the declaring stack and logical id, not by account.
 */
export interface CoverageEntry {
  /** `<stack>/<logicalId>` of the declaring template. */
  role: string;
  roleName: string;
  policy: string;
  /** The statement's Sid, or `#<n>` (1-based) for a statement without one. */
  statement: string;
  /** `action resource` → number of allowed calls. */
  calls: Record<string, number>;
  /**
   * Why no sandbox call can use this statement: the role is assumed only by an AWS service, and
   * the statement grants only what that service does with the role (SERVICE_WORK_NOT_RUN_IN_SANDBOX).
   * Such a statement is listed in the report with the reason, and does not fail the check.
   */
  notExercised?: string;
}

/**
 * What a service does with the role it assumes beside running Warden's work, by service principal
 * and IAM prefix: the sandbox serves neither CloudWatch Logs nor X-Ray, so a statement that grants
 * only these actions can allow no sandbox call. The report lists it with the reason; a statement
 * that mixes them with anything else is judged by its calls like every other.
 */
export const SERVICE_WORK_NOT_RUN_IN_SANDBOX: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'lambda.amazonaws.com': {
    // "Lambda automatically captures logs for all function invocations and sends them to
    // CloudWatch Logs, provided your function's execution role has the necessary permissions."
    // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
    logs: "used by Lambda to send the function's logs to CloudWatch Logs; the sandbox runs no CloudWatch Logs",
  },
  'states.amazonaws.com': {
    // A state machine that logs to CloudWatch Logs needs its role to allow the log delivery actions.
    // https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
    logs: 'used by Step Functions to deliver execution logs to CloudWatch Logs; the sandbox runs no CloudWatch Logs',
    // A state machine with X-Ray tracing needs its role to allow sending traces.
    // https://docs.aws.amazon.com/step-functions/latest/dg/xray-iam.html
    xray: 'used by Step Functions to send X-Ray traces; the sandbox runs no X-Ray',
  },
};

/**
 * Why the sandbox cannot exercise `statement` of a role with `trustPolicy`, or undefined when a
 * sandbox call could use it: the statement allows, the role is one only services assume, and every
 * one of its actions is work SERVICE_WORK_NOT_RUN_IN_SANDBOX lists for one of those services. A
 * statement mixing them with anything else is judged by its calls.
 */
export function notExercisedReason(
  trustPolicy: PolicyDocument | undefined,
  statement: PolicyStatement,
): string | undefined {
  if (statement.Effect !== 'Allow' || statement.Action === undefined) return undefined;
  const services = trustedServices(trustPolicy) ?? [];
  const reasons = new Set<string>();
  for (const action of [statement.Action].flat().map(String)) {
    const prefix = action.split(':')[0]!.toLowerCase();
    const reason = services.map((p) => SERVICE_WORK_NOT_RUN_IN_SANDBOX[p]?.[prefix]).find((r) => r);
    if (!reason) return undefined;
    reasons.add(reason);
  }
  return reasons.size > 0 ? [...reasons].join('; ') : undefined;
}

/** The service principals a trust policy admits, or undefined when it admits anything else. */
function trustedServices(trustPolicy: PolicyDocument | undefined): string[] | undefined {
  if (!trustPolicy) return undefined;
  const principals: string[] = [];
  for (const statement of statementsOf(trustPolicy)) {
    if (statement.Effect !== 'Allow') continue;
    const principal = statement.Principal as Record<string, unknown> | string | undefined;
    if (principal === undefined || typeof principal === 'string') return undefined;
    for (const [kind, value] of Object.entries(principal)) {
      if (kind !== 'Service') return undefined;
      principals.push(...(Array.isArray(value) ? value.map(String) : [String(value)]));
    }
  }
  return principals;
}

export interface CoverageSnapshot {
  entries: CoverageEntry[];
}

export class IamCoverage {
  private readonly entries = new Map<string, CoverageEntry>();

  /**
   * Lists every statement of `policies` for the role, so a statement that allows nothing is seen;
   * with the role's trust policy, those no sandbox call can use are marked (`notExercisedReason`).
   */
  declareRole(
    role: string,
    roleName: string,
    policies: { name: string; document: PolicyDocument }[],
    trustPolicy?: PolicyDocument,
  ): void {
    for (const { name, document } of policies) {
      statementsOf(document).forEach((statement, index) => {
        const entry = this.entry(role, roleName, name, statementId(statement.Sid, index));
        const reason = notExercisedReason(trustPolicy, statement);
        if (reason) entry.notExercised = reason;
      });
    }
  }

  recordAllow(role: string, roleName: string, policy: string, statement: string, call: string): void {
    const entry = this.entry(role, roleName, policy, statement);
    entry.calls[call] = (entry.calls[call] ?? 0) + 1;
  }

  snapshot(): CoverageSnapshot {
    return {
      entries: [...this.entries.values()].map((e) => ({ ...e, calls: { ...e.calls } })),
    };
  }

  merge(snapshot: CoverageSnapshot): void {
    for (const e of snapshot.entries) {
      const entry = this.entry(e.role, e.roleName, e.policy, e.statement);
      if (e.notExercised) entry.notExercised = e.notExercised;
      for (const [call, count] of Object.entries(e.calls))
        entry.calls[call] = (entry.calls[call] ?? 0) + count;
    }
  }

  /** Statements that allowed no call (leaving out those no sandbox call can exercise). */
  unused(): CoverageEntry[] {
    return unusedEntries(this.snapshot());
  }

  isEmpty(): boolean {
    return this.entries.size === 0;
  }

  clear(): void {
    this.entries.clear();
  }

  private entry(role: string, roleName: string, policy: string, statement: string): CoverageEntry {
    const key = `${role}\u0000${policy}\u0000${statement}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { role, roleName, policy, statement, calls: {} };
      this.entries.set(key, entry);
    }
    return entry;
  }
}

/** Statements that allowed no call although a sandbox call could have used them. */
function unusedEntries(snapshot: CoverageSnapshot): CoverageEntry[] {
  return snapshot.entries.filter((e) => Object.keys(e.calls).length === 0 && !e.notExercised);
}

export function statementId(sid: string | undefined, index: number): string {
  return sid !== undefined && sid !== '' ? sid : `#${index + 1}`;
}

/** The report as Markdown: every statement of every declared role, with the calls it allowed. */
export function formatCoverageReport(snapshot: CoverageSnapshot): string {
  const lines = ['# IAM coverage', ''];
  const unused = unusedEntries(snapshot);
  const notExercised = snapshot.entries.filter((e) => e.notExercised && Object.keys(e.calls).length === 0);
  lines.push(
    `${snapshot.entries.length} statements of ${new Set(snapshot.entries.map((e) => e.role)).size} declared roles; ` +
      `${unused.length} allowed nothing; ${notExercised.length} cannot be exercised in the sandbox.`,
    '',
  );
  const sorted = [...snapshot.entries].sort((a, b) =>
    `${a.role}|${a.policy}|${a.statement}`.localeCompare(`${b.role}|${b.policy}|${b.statement}`),
  );
  let role = '';
  for (const e of sorted) {
    if (e.role !== role) {
      role = e.role;
      lines.push(`## ${e.role} (${e.roleName})`, '');
    }
    const calls = Object.entries(e.calls).sort(([a], [b]) => a.localeCompare(b));
    const none = e.notExercised ? `not exercised in the sandbox (${e.notExercised})` : '**allowed nothing**';
    lines.push(`- ${e.policy} › ${e.statement}: ${calls.length === 0 ? none : ''}`);
    for (const [call, count] of calls) lines.push(`  - ${call} (${count})`);
  }
  return `${lines.join('\n')}\n`;
}

/** The check the suite ends with: fails, naming them, when a declared statement allowed nothing. */
export function checkCoverage(snapshot: CoverageSnapshot): void {
  const unused = unusedEntries(snapshot);
  if (unused.length === 0) return;
  const names = unused.map((e) => `${e.role} (${e.roleName}) › ${e.policy} › ${e.statement}`);
  throw new UnusedStatementsError(names);
}

export class UnusedStatementsError extends Error {
  constructor(readonly statements: string[]) {
    super(
      `${statements.length} IAM statement(s) of the synthesized roles allowed no call in the whole suite ` +
        `(grant less, or test the path that needs it):\n  ${statements.join('\n  ')}`,
    );
    this.name = 'UnusedStatementsError';
  }
}

/**
 * The process-wide coverage that every sandbox cloud records into unless given its own; test
 * workers write it out after each test file (`writeCoverageFile`) and the suite's teardown merges them.
 */
export const suiteIamCoverage = new IamCoverage();

export function writeCoverageFile(coverage: IamCoverage, directory: string, name: string): void {
  if (coverage.isEmpty()) return;
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, `${name}.json`), JSON.stringify(coverage.snapshot()));
  coverage.clear();
}

export function readCoverageFiles(directory: string): CoverageSnapshot {
  const merged = new IamCoverage();
  let files: string[] = [];
  try {
    files = readdirSync(directory).filter((f) => f.endsWith('.json'));
  } catch {
    return merged.snapshot();
  }
  for (const file of files) {
    merged.merge(JSON.parse(readFileSync(join(directory, file), 'utf8')) as CoverageSnapshot);
  }
  return merged.snapshot();
}
