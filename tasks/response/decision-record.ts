import { createHash } from 'node:crypto';
import type { WardenConfig } from '../../config/schema';
import * as z from '../../config/zod-mini';

/**
 * The record of a decision the intake made without starting an execution: a finding policy
 * ignores. It holds what the execution's input would have held — the finding as the intake saw
 * it and the whole triage (rule, severity band, guards, notes) — plus when, by what and under
 * which policy it was decided, so `warden audit` tells the same story as it would from an
 * execution, for none of a Standard execution's cost.
 *
 * It lives in tasks/ because the intake writes it; the audit library (a layer above) reads it.
 */
export const DECISION_RECORD_KIND = 'warden-decision';

export const DecisionRecord = z.looseObject({
  kind: z.literal(DECISION_RECORD_KIND),
  /** Unique per finding version; what `warden audit` shows where an execution's name would be. */
  name: z.string().check(z.regex(/^d-[0-9a-f]{32}-\d+$/)),
  decidedAt: z.iso.datetime({ offset: true }),
  /** The function that decided: the intake's task id. */
  decidedBy: z.string().check(z.minLength(1), z.maxLength(64)),
  /** A digest of the `response` section of the config the intake ran with (see policyVersionOf). */
  policyVersion: z.string().check(z.regex(/^sha256:[0-9a-f]{16}$/)),
  /** When DynamoDB's TTL removes the record: the archive's retention after the decision. */
  keptUntil: z.iso.datetime({ offset: true }),
  finding: z.looseObject({
    id: z.string().check(z.minLength(1)),
    accountId: z.string(),
    region: z.string(),
    type: z.string(),
    severity: z.number(),
    title: z.nullable(z.string()),
    updatedAt: z.string(),
    count: z.nullable(z.number()),
  }),
  triage: z.looseObject({ decision: z.string().check(z.minLength(1)), reason: z.string(), rule: z.string() }),
});
export type DecisionRecord = z.infer<typeof DecisionRecord>;

/** `d-<hash of the finding id>-<updatedAt digits>`: one per version of a finding. */
export function decisionNameFor(findingId: string, updatedAt: string): string {
  const hash = createHash('sha256').update(findingId).digest('hex').slice(0, 32);
  return `d-${hash}-${updatedAt.replace(/\D/g, '').slice(0, 20) || '0'}`;
}

/**
 * Which policy decided: the same response config (policy rules, mode, kill switch, allow-lists,
 * guards) gives the same version, so an auditor can tell decisions made under different policies
 * apart and match one against the config history.
 */
export function policyVersionOf(config: Pick<WardenConfig, 'response'>): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(config.response)).digest('hex').slice(0, 16)}`;
}

/** `2026-03-01T10:00:00.000Z` → `2026-03`: the index partition a record is listed under. */
export function decisionMonthOf(decidedAt: string): string {
  return decidedAt.slice(0, 7);
}

/** Where an archive keeps decision records beside `executions/`. */
export const DECISION_ARCHIVE_ROOT = 'decisions';

/** `decisions/<yyyy>/<mm>/<dd>/<name>.json`, dated by the decision (UTC). */
export function decisionArchiveKey(record: Pick<DecisionRecord, 'name' | 'decidedAt'>): string {
  const day = new Date(record.decidedAt).toISOString().slice(0, 10).split('-');
  return [DECISION_ARCHIVE_ROOT, ...day, `${record.name}.json`].join('/');
}

/** The day a decision record's archive key says, or undefined for a key outside that layout. */
export function parseDecisionArchiveKey(key: string): { day: string; name: string } | undefined {
  const match = /(?:^|\/)decisions\/(\d{4})\/(\d{2})\/(\d{2})\/([^/]+)\.json$/.exec(key);
  if (!match) return undefined;
  const [, yyyy, mm, dd, name] = match;
  return { day: `${yyyy}-${mm}-${dd}`, name: name! };
}
