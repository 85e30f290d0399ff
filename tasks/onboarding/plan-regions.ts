import * as z from 'zod';
import { lambdaHandler } from '../shared/lambda';
import { defineTask } from '../shared/task';
import { DescribedAccount, type MemberEntry, type RegionWork } from './model';

/**
 * Turns the described accounts into one unit of work per configured region: the eligible
 * accounts, each marked REGION_NOT_ENABLED where it has not opted into the region, so the region's
 * branch reports it without touching it.
 */
export function planRegions(accounts: readonly DescribedAccount[], regions: readonly string[]): RegionWork[] {
  const eligible = accounts.filter((a) => a.eligible);
  if (eligible.length === 0) return [];
  return regions.map((region) => ({
    region,
    members: eligible.map((a): MemberEntry => {
      const entry: MemberEntry = {
        accountId: a.accountId,
        email: a.email ?? `${a.accountId}@unknown.invalid`,
        status: 'None',
      };
      if (!(a.enabledRegions ?? []).includes(region)) {
        entry.outcome = 'REGION_NOT_ENABLED';
        entry.detail = `the account has not enabled the opt-in region ${region}`;
      }
      return entry;
    }),
    work: [],
    checks: 0,
    pending: 0,
  }));
}

export const planRegionsTask = defineTask({
  id: 'PlanOnboardingRegions',
  entry: __filename,
  input: z.object({ accounts: z.array(DescribedAccount) }),
  needs: {},
  run: async (input, deps) => ({
    accounts: input.accounts,
    regions: planRegions(input.accounts, deps.config.organization.regions),
  }),
});

export const handler = lambdaHandler(planRegionsTask);
