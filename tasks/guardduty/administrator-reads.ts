import type { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { call, chunks, PAGE_ATTEMPTS, retryPage } from '../shared/aws-call';
import type { TaskDeps } from '../shared/task';
import { ensureAdministratorDetector } from './administrator';
import { administratorClient } from './aws';
import { GUARDDUTY_BATCH } from './members';

/** The input of a GuardDuty call about some accounts: the administrator's detector and a batch. */
export interface AccountBatchInput {
  DetectorId: string;
  AccountIds: string[];
}

/**
 * Reads about many accounts as GuardDuty's administrator in one region (the sweep's drift, the
 * free-trial watch): the administrator's detector, made if it is missing, then one call per
 * GUARDDUTY_BATCH accounts (GuardDuty takes at most 50 per member call). Each call is retried on
 * its own when throttled, so one throttled page costs one more call, not the region.
 */
export async function administratorReads(deps: TaskDeps, region: string) {
  const detectorId = await retryPage(() => ensureAdministratorDetector(region, deps), PAGE_ATTEMPTS);
  const client = administratorClient(deps, region);
  return {
    /** One `send` per batch of `accounts`, in order; `doing` names the call for its errors. */
    async inBatches<T>(
      accounts: readonly string[],
      doing: (count: number) => string,
      send: (input: AccountBatchInput, client: GuardDutyClient) => Promise<T>,
    ): Promise<T[]> {
      const pages: T[] = [];
      for (const AccountIds of chunks(accounts, GUARDDUTY_BATCH)) {
        const input = { DetectorId: detectorId, AccountIds };
        pages.push(
          await retryPage(() => call(doing(AccountIds.length), () => send(input, client)), PAGE_ATTEMPTS),
        );
      }
      return pages;
    },
  };
}
