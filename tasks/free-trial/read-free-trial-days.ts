import { GetRemainingFreeTrialDaysCommand } from '@aws-sdk/client-guardduty';
import * as z from 'zod';
import { accountIdSchema as accountId } from '../../config/aws-names';
import { AccountRegistry } from '../accounts/registry';
import { ADMINISTRATOR_DETECTOR } from '../guardduty/administrator';
import { administratorReads } from '../guardduty/administrator-reads';
import { taskEnvironment } from '../shared/environment';
import { lambdaHandler } from '../shared/lambda';
import { defineTask, type TaskDeps } from '../shared/task';
import { AccountBatchRef } from '../sweep/plan-batches';

/**
 * One batch of the free-trial watch: GetRemainingFreeTrialDays for the batch's accounts in every
 * region, 50 per call, each call retried on its own when throttled. Accounts that are not members
 * in a region are not on the administrator's bill there, so GuardDuty's UnprocessedAccounts are
 * simply not reported. The administrator's own days are read with the first batch.
 *
 * What travels on is a count and the few trials that end soonest (ENDING_KEPT per batch), so the
 * watch's state stays small at any size of organisation.
 */
export const TrialDays = z.object({
  accountId,
  region: z.string(),
  feature: z.string(),
  days: z.number().int().min(0),
});
export type TrialDays = z.infer<typeof TrialDays>;

/** Trials per batch carried to the notification (the soonest); the count is always complete. */
export const ENDING_KEPT = 5;
const REGION_CONCURRENCY = 4;

export const readFreeTrialDaysTask = defineTask({
  id: 'ReadFreeTrialDays',
  entry: __filename,
  input: z.object({ batch: AccountBatchRef }),
  environment: taskEnvironment(...ADMINISTRATOR_DETECTOR.variables, 'ACCOUNTS_TABLE'),
  needs: {
    tables: { accounts: 'read' },
    actions: [...ADMINISTRATOR_DETECTOR.actions, 'guardduty:GetRemainingFreeTrialDays'],
  },
  run: async ({ batch }, deps) => {
    const members = await new AccountRegistry(deps).batch(batch);
    const everyone = batch.index === 0 ? [deps.config.organization.securityAccountId, ...members] : members;
    const regions = deps.config.organization.regions;
    const ending: TrialDays[] = [];
    let next = 0;
    const worker = async () => {
      while (next < regions.length) ending.push(...(await regionTrials(deps, regions[next++]!, everyone)));
    };
    await Promise.all(Array.from({ length: Math.min(REGION_CONCURRENCY, regions.length) }, worker));
    const sorted = ending.sort(
      (a, b) => a.days - b.days || a.accountId.localeCompare(b.accountId) || a.region.localeCompare(b.region),
    );
    return {
      index: batch.index,
      endingCount: sorted.length,
      endingAccounts: [...new Set(sorted.map((e) => e.accountId))].length,
      ending: sorted.slice(0, ENDING_KEPT),
    };
  },
});

export const handler = lambdaHandler(readFreeTrialDaysTask);

async function regionTrials(
  deps: TaskDeps,
  region: string,
  accounts: readonly string[],
): Promise<TrialDays[]> {
  if (!accounts.length) return [];
  const reads = await administratorReads(deps, region);
  const threshold = deps.config.onboarding.freeTrialThresholdDays;
  const ending: TrialDays[] = [];
  const pages = await reads.inBatches(
    accounts,
    (n) => `reading free-trial days of ${n} accounts in ${region}`,
    (input, client) => client.send(new GetRemainingFreeTrialDaysCommand(input)),
  );
  for (const out of pages) {
    for (const a of out.Accounts ?? []) {
      for (const f of a.Features ?? []) {
        const days = f.FreeTrialDaysRemaining;
        if (a.AccountId && f.Name && days !== undefined && days < threshold) {
          ending.push({ accountId: a.AccountId, region, feature: f.Name, days });
        }
      }
    }
  }
  return ending;
}
