import * as z from 'zod';
import { lambdaHandler } from '../shared/lambda';
import { defineTask } from '../shared/task';
import { DescribedAccount, kindOf, type Outcome, type OutcomeKind, RegionResult, TRIGGERS } from './model';

/**
 * One summary per account of the request, across regions: what the notification says and what
 * the execution's output shows an auditor.
 */
export const RegionOutcome = z.object({
  region: z.string(),
  outcome: z.string(),
  kind: z.enum(['enabled', 'already-enabled', 'skipped', 'failed']),
  detail: z.string().optional(),
  error: z.string().optional(),
});
export type RegionOutcome = z.infer<typeof RegionOutcome>;

export const AccountSummary = z.object({
  accountId: z.string(),
  name: z.string().optional(),
  /** ONBOARDED: no region failed; INCOMPLETE: some region failed; NOT_ONBOARDED: the account was not eligible. */
  result: z.enum(['ONBOARDED', 'INCOMPLETE', 'NOT_ONBOARDED']),
  reason: z.string().optional(),
  detail: z.string().optional(),
  severity: z.enum(['INFO', 'MEDIUM', 'HIGH']),
  counts: z.object({
    enabled: z.number(),
    alreadyEnabled: z.number(),
    skipped: z.number(),
    failed: z.number(),
  }),
  regions: z.array(RegionOutcome),
});
export type AccountSummary = z.infer<typeof AccountSummary>;

export function summariseOnboarding(
  accounts: readonly DescribedAccount[],
  regions: readonly RegionResult[],
): AccountSummary[] {
  // One lookup per account and region: a scan of each region's members per account would be
  // quadratic in the accounts of the request.
  const byRegion = regions.map((r) => new Map(r.members.map((m) => [m.accountId, m])));
  return accounts.map((account): AccountSummary => {
    if (!account.eligible) {
      return {
        accountId: account.accountId,
        name: account.name,
        result: 'NOT_ONBOARDED',
        reason: account.reason,
        detail: account.detail,
        severity: 'MEDIUM',
        counts: { enabled: 0, alreadyEnabled: 0, skipped: 0, failed: 0 },
        regions: [],
      };
    }
    const outcomes = regions.map((r, i): RegionOutcome => {
      const entry = byRegion[i]!.get(account.accountId);
      if (entry?.outcome) {
        return {
          region: r.region,
          outcome: entry.outcome,
          kind: kindOf(entry.outcome),
          ...(entry.detail ? { detail: entry.detail } : {}),
          ...(entry.error ? { error: entry.error } : {}),
        };
      }
      // No outcome: the region's branch failed as a whole (Catch) before reaching this account.
      const outcome: Outcome = 'FAILED';
      return {
        region: r.region,
        outcome,
        kind: 'failed',
        error: r.failure?.Error ?? 'RegionNotCompleted',
        detail: r.failure?.Cause ?? 'the region ended without a result for this account',
      };
    });
    const count = (kind: OutcomeKind) => outcomes.filter((o) => o.kind === kind).length;
    const failed = count('failed');
    return {
      accountId: account.accountId,
      name: account.name,
      result: failed > 0 ? 'INCOMPLETE' : 'ONBOARDED',
      severity: failed > 0 ? 'HIGH' : 'INFO',
      counts: {
        enabled: count('enabled'),
        alreadyEnabled: count('already-enabled'),
        skipped: count('skipped'),
        failed,
      },
      regions: outcomes,
    };
  });
}

export const summariseTask = defineTask({
  id: 'SummariseOnboarding',
  entry: __filename,
  input: z.object({
    trigger: z.enum(TRIGGERS),
    accounts: z.array(DescribedAccount),
    regions: z.array(RegionResult),
  }),
  needs: {},
  run: async (input) => {
    const summaries = summariseOnboarding(input.accounts, input.regions);
    return {
      trigger: input.trigger,
      onboarded: summaries.filter((s) => s.result === 'ONBOARDED').length,
      incomplete: summaries.filter((s) => s.result === 'INCOMPLETE').length,
      notOnboarded: summaries.filter((s) => s.result === 'NOT_ONBOARDED').length,
      summaries,
    };
  },
});

export const handler = lambdaHandler(summariseTask);
