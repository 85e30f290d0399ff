import type { HistoryIndex } from './history-index';
import { keyedObjects, obj, str, strings } from './loose';
import type { OnboardingAccountFacts, OnboardingFacts, OnboardingRegionFacts, Trigger } from './model';

/**
 * The onboarding workflow's part of a story: what asked for it (a Control Tower lifecycle event
 * or Warden's own request) and, per account and region, how it ended. The per-account summaries
 * are the summarise task's result (also the execution's output); a request that led nowhere is
 * the first task's `{ skipped: true, reason, detail }`.
 */
export function onboardingTrigger(input: unknown): Trigger | null {
  const event = obj(input);
  if (!event) return null;
  const detail = obj(event.detail);
  const status =
    obj(obj(detail?.serviceEventDetails)?.createManagedAccountStatus) ??
    obj(obj(detail?.serviceEventDetails)?.updateManagedAccountStatus);
  if (event.source === 'aws.controltower' || status) {
    const account = obj(status?.account);
    const unit = obj(status?.organizationalUnit);
    return {
      kind: 'control-tower',
      eventName: str(detail?.eventName),
      accountId: str(account?.accountId),
      accountName: str(account?.accountName),
      organizationalUnit: str(unit?.organizationalUnitName) ?? str(unit?.organizationalUnitId),
      state: str(status?.state),
    };
  }
  const source = str(event.trigger);
  if (source && Array.isArray(event.accounts)) {
    return { kind: 'request', source, accounts: strings(event.accounts) };
  }
  return null;
}

export function onboardingFacts(index: HistoryIndex, output: unknown): OnboardingFacts | null {
  const summaries = summariesIn(output) ?? lastSummaries(index);
  if (summaries) return { skipped: false, reason: null, detail: null, accounts: summaries };
  const skip = [obj(output), ...index.taskResults.map((r) => obj(r.output))].find((o) => o?.skipped === true);
  if (skip) return { skipped: true, reason: str(skip.reason), detail: str(skip.detail), accounts: [] };
  return null;
}

function lastSummaries(index: HistoryIndex): OnboardingAccountFacts[] | null {
  for (const result of [...index.taskResults].reverse()) {
    const found = summariesIn(result.output);
    if (found) return found;
  }
  return null;
}

function summariesIn(value: unknown): OnboardingAccountFacts[] | null {
  const summaries = obj(value)?.summaries;
  if (!Array.isArray(summaries)) return null;
  return keyedObjects(
    summaries,
    'accountId',
    (s, accountId): OnboardingAccountFacts => ({
      accountId,
      name: str(s.name),
      result: str(s.result) ?? 'UNKNOWN',
      reason: str(s.reason),
      regions: keyedObjects(
        s.regions,
        'region',
        (region, name): OnboardingRegionFacts => ({
          region: name,
          outcome: str(region.outcome) ?? 'UNKNOWN',
          kind: str(region.kind) ?? 'unknown',
          detail: str(region.detail),
          error: str(region.error),
        }),
      ),
    }),
  );
}
