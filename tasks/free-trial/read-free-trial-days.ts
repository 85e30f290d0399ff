import { GetRemainingFreeTrialDaysCommand } from '@aws-sdk/client-guardduty';
import { z } from 'zod';
import { administratorClient, call, chunks } from '../onboarding/aws-calls';
import {
  ADMINISTRATOR_DETECTOR,
  ensureAdministratorDetector,
} from '../onboarding/ensure-administrator-detector';
import { accountId, GUARDDUTY_BATCH } from '../onboarding/model';
import { taskEnvironment } from '../shared/environment';
import { lambdaHandler } from '../shared/lambda';
import { defineTask } from '../shared/task';

/**
 * One region of the free-trial watch: GetRemainingFreeTrialDays for the administrator and every
 * account, 50 per call. Accounts that are not members in the region are not on the
 * administrator's bill there, so GuardDuty's UnprocessedAccounts are simply not reported.
 */
export const TrialDays = z.object({
  accountId,
  region: z.string(),
  feature: z.string(),
  days: z.number().int().min(0),
});
export type TrialDays = z.infer<typeof TrialDays>;

export const readFreeTrialDaysTask = defineTask({
  id: 'ReadFreeTrialDays',
  entry: __filename,
  input: z.object({ region: z.string().min(1), accounts: z.array(accountId) }),
  environment: taskEnvironment(...ADMINISTRATOR_DETECTOR.variables),
  needs: { actions: [...ADMINISTRATOR_DETECTOR.actions, 'guardduty:GetRemainingFreeTrialDays'] },
  run: async ({ region, accounts }, deps) => {
    const detectorId = await ensureAdministratorDetector(region, deps);
    const client = administratorClient(deps, region);
    const everyone = [deps.config.organization.securityAccountId, ...accounts];
    const threshold = deps.config.onboarding.freeTrialThresholdDays;
    const ending: TrialDays[] = [];
    for (const batch of chunks(everyone, GUARDDUTY_BATCH)) {
      const out = await call(`reading free-trial days of ${batch.length} accounts in ${region}`, () =>
        client.send(new GetRemainingFreeTrialDaysCommand({ DetectorId: detectorId, AccountIds: batch })),
      );
      for (const a of out.Accounts ?? []) {
        for (const f of a.Features ?? []) {
          const days = f.FreeTrialDaysRemaining;
          // Only what the threshold flags travels on, to keep the state small at 1,000 accounts.
          if (a.AccountId && f.Name && days !== undefined && days < threshold) {
            ending.push({ accountId: a.AccountId, region, feature: f.Name, days });
          }
        }
      }
    }
    return { region, ending };
  },
});

export const handler = lambdaHandler(readFreeTrialDaysTask);
