import { GetMemberDetectorsCommand, GetMembersCommand, type Member } from '@aws-sdk/client-guardduty';
import * as z from 'zod';
import { accountIdSchema as accountId } from '../../config/aws-names';
import { administratorReads } from '../guardduty/administrator-reads';
import { featureChanges } from '../guardduty/features';
import { statusOf } from '../guardduty/members';
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

export async function findRegionDrift(
  deps: TaskDeps,
  region: string,
  accounts: readonly string[],
): Promise<Drift[]> {
  if (!accounts.length) return [];
  const reads = await administratorReads(deps, region);
  const members = new Map<string, Member>();
  const pages = await reads.inBatches(
    accounts,
    (n) => `reading ${n} members in ${region}`,
    (input, client) => client.send(new GetMembersCommand(input)),
  );
  for (const m of pages.flatMap((p) => p.Members ?? [])) if (m.AccountId) members.set(m.AccountId, m);
  const drift: Drift[] = [];
  const enabled: string[] = [];
  for (const account of accounts) {
    const status = statusOf(members.get(account));
    if (status === 'Enabled') enabled.push(account);
    else drift.push({ accountId: account, region, status });
  }
  const features = await reads.inBatches(
    enabled,
    (n) => `reading the features of ${n} members in ${region}`,
    (input, client) => client.send(new GetMemberDetectorsCommand(input)),
  );
  for (const out of features) {
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
