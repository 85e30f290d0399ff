import { GUARDDUTY_BATCH } from './members';

/**
 * Accounts per onboarding execution: at most GuardDuty's 50 per call, and few enough that the
 * execution's history stays well inside Step Functions' 25,000 events. The benchmark measured
 * about 16,300 events for 50 accounts × 17 regions with 20% throttling, so each execution covers
 * at most 850 account-regions.
 */
export const MAX_ACCOUNT_REGIONS_PER_EXECUTION = 850;

export function batchSizeFor(regions: number): number {
  return Math.max(
    1,
    Math.min(GUARDDUTY_BATCH, Math.floor(MAX_ACCOUNT_REGIONS_PER_EXECUTION / Math.max(1, regions))),
  );
}
