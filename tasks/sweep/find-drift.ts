import { GetMemberDetectorsCommand } from '@aws-sdk/client-guardduty';
import { z } from 'zod';
import { administratorClient, call, chunks } from '../onboarding/aws-calls';
import {
  ADMINISTRATOR_DETECTOR,
  ensureAdministratorDetector,
} from '../onboarding/ensure-administrator-detector';
import { featureChanges } from '../onboarding/features';
import { readMembers, statusOf } from '../onboarding/memberships';
import { accountId, GUARDDUTY_BATCH } from '../onboarding/model';
import { taskEnvironment } from '../shared/environment';
import { lambdaHandler } from '../shared/lambda';
import { defineTask } from '../shared/task';

/**
 * One region of the drift sweep: reads every account's membership (GetMembers, 50 per call) and,
 * for Enabled members, their features (GetMemberDetectors), and lists what is not as config says.
 * Reading only: repairs are the onboarding steps that run after it.
 */
export const Drift = z.object({
  accountId,
  region: z.string(),
  status: z.string(),
  /** Features whose status differs from config, e.g. `RUNTIME_MONITORING=ENABLED`. */
  features: z.array(z.string()).optional(),
});
export type Drift = z.infer<typeof Drift>;

export const findDriftTask = defineTask({
  id: 'FindRegionDrift',
  entry: __filename,
  input: z.object({ region: z.string().min(1), accounts: z.array(accountId) }),
  environment: taskEnvironment(...ADMINISTRATOR_DETECTOR.variables),
  needs: {
    actions: [
      ...new Set([...ADMINISTRATOR_DETECTOR.actions, 'guardduty:GetMembers', 'guardduty:GetMemberDetectors']),
    ],
  },
  run: async ({ region, accounts }, deps) => {
    const detectorId = await ensureAdministratorDetector(region, deps);
    const records = accounts.length ? await readMembers(deps, region, detectorId, accounts) : new Map();
    const drift: Drift[] = [];
    const enabled: string[] = [];
    for (const account of accounts) {
      const status = statusOf(records.get(account));
      if (status === 'Enabled') enabled.push(account);
      else drift.push({ accountId: account, region, status });
    }
    const client = administratorClient(deps, region);
    for (const batch of chunks(enabled, GUARDDUTY_BATCH)) {
      const out = await call(`reading the features of ${batch.length} members in ${region}`, () =>
        client.send(new GetMemberDetectorsCommand({ DetectorId: detectorId, AccountIds: batch })),
      );
      for (const c of out.MemberDataSourceConfigurations ?? []) {
        const diff = featureChanges(deps.config, c.Features ?? []);
        if (c.AccountId && diff.length) {
          drift.push({
            accountId: c.AccountId,
            region,
            status: 'Enabled',
            features: diff.map((f) => `${f.Name}=${f.Status}`),
          });
        }
      }
    }
    return { region, checked: accounts.length, drift };
  },
});

export const handler = lambdaHandler(findDriftTask);
