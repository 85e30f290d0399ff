import { GetMemberDetectorsCommand, GetMembersCommand, type Member } from '@aws-sdk/client-guardduty';
import * as z from 'zod';
import { accountIdSchema as accountId } from '../../config/aws-names';
import { ensureAdministratorDetector } from '../guardduty/administrator';
import { administratorClient } from '../guardduty/aws';
import { featureChanges } from '../guardduty/features';
import { GUARDDUTY_BATCH, statusOf } from '../guardduty/members';
import { call, chunks, retryPage } from '../shared/aws-call';
import type { TaskDeps } from '../shared/task';

/**
 * Drift in one region: every account's membership (GetMembers, 50 per call) and, for Enabled
 * members, their features (GetMemberDetectors), compared with config. Reading only: repairs are
 * the onboarding steps. Each call is retried on its own when throttled, so one throttled page
 * costs one more call, not the region.
 */
export const Drift = z.object({
  accountId,
  region: z.string(),
  status: z.string(),
  /** Features whose status differs from config, e.g. `RUNTIME_MONITORING=ENABLED`. */
  features: z.array(z.string()).optional(),
});
export type Drift = z.infer<typeof Drift>;

/** Attempts per page before the throttling goes to the state machine's Retry. */
export const PAGE_ATTEMPTS = 6;

export async function findRegionDrift(
  deps: TaskDeps,
  region: string,
  accounts: readonly string[],
): Promise<Drift[]> {
  if (!accounts.length) return [];
  const detectorId = await retryPage(() => ensureAdministratorDetector(region, deps), PAGE_ATTEMPTS);
  const client = administratorClient(deps, region);
  const members = new Map<string, Member>();
  for (const batch of chunks(accounts, GUARDDUTY_BATCH)) {
    const out = await retryPage(
      () =>
        call(`reading ${batch.length} members in ${region}`, () =>
          client.send(new GetMembersCommand({ DetectorId: detectorId, AccountIds: batch })),
        ),
      PAGE_ATTEMPTS,
    );
    for (const m of out.Members ?? []) if (m.AccountId) members.set(m.AccountId, m);
  }
  const drift: Drift[] = [];
  const enabled: string[] = [];
  for (const account of accounts) {
    const status = statusOf(members.get(account));
    if (status === 'Enabled') enabled.push(account);
    else drift.push({ accountId: account, region, status });
  }
  for (const batch of chunks(enabled, GUARDDUTY_BATCH)) {
    const out = await retryPage(
      () =>
        call(`reading the features of ${batch.length} members in ${region}`, () =>
          client.send(new GetMemberDetectorsCommand({ DetectorId: detectorId, AccountIds: batch })),
        ),
      PAGE_ATTEMPTS,
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
  return drift;
}
