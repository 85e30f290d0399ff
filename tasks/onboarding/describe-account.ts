import { AccountClient, ListRegionsCommand } from '@aws-sdk/client-account';
import { DescribeAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import * as z from 'zod';
import { call } from '../shared/aws-call';
import { lambdaHandler } from '../shared/lambda';
import { defineTask, type TaskDeps } from '../shared/task';
import { accountId, type DescribedAccount } from './model';

/**
 * Resolves one account: Organizations' DescribeAccount for its e-mail and status, and Account
 * Management's ListRegions for the regions it may use, so that opt-in regions it has not enabled
 * are skipped and reported instead of failing. Suspended, closing and unknown accounts, and the
 * management and administrator accounts themselves, are not onboarded and say why.
 */
export async function describeAccount(id: string, deps: TaskDeps): Promise<DescribedAccount> {
  const { managementAccountId, securityAccountId, homeRegion } = deps.config.organization;
  if (id === managementAccountId) {
    return { accountId: id, eligible: false, reason: 'MANAGEMENT_ACCOUNT', detail: 'the management account' };
  }
  if (id === securityAccountId) {
    return { accountId: id, eligible: false, reason: 'ADMINISTRATOR_ACCOUNT', detail: 'the administrator' };
  }
  const self = { account: securityAccountId, region: homeRegion };
  const organizations = deps.clients.client(OrganizationsClient, self);
  let account: { Name?: string; Email?: string; Status?: string } | undefined;
  try {
    account = (
      await call(`describing account ${id}`, () =>
        organizations.send(new DescribeAccountCommand({ AccountId: id })),
      )
    ).Account;
  } catch (error) {
    if ((error as Error).name !== 'AccountNotFoundException') throw error;
  }
  if (!account) {
    return { accountId: id, eligible: false, reason: 'ACCOUNT_NOT_FOUND', detail: 'not in the organisation' };
  }
  const base = { accountId: id, name: account.Name, email: account.Email };
  if (account.Status === 'SUSPENDED') {
    return { ...base, eligible: false, reason: 'ACCOUNT_SUSPENDED', detail: 'the account is suspended' };
  }
  if (account.Status === 'PENDING_CLOSURE') {
    return { ...base, eligible: false, reason: 'ACCOUNT_CLOSING', detail: 'the account is being closed' };
  }
  const regions = await enabledRegions(id, deps);
  return { ...base, eligible: true, enabledRegions: regions };
}

async function enabledRegions(id: string, deps: TaskDeps): Promise<string[]> {
  const { securityAccountId, homeRegion } = deps.config.organization;
  const client = deps.clients.client(AccountClient, { account: securityAccountId, region: homeRegion });
  const regions: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await call(`listing the regions of ${id}`, () =>
      client.send(
        new ListRegionsCommand({
          AccountId: id,
          RegionOptStatusContains: ['ENABLED', 'ENABLED_BY_DEFAULT'],
          MaxResults: 50,
          NextToken: nextToken,
        }),
      ),
    );
    for (const r of page.Regions ?? []) if (r.RegionName) regions.push(r.RegionName);
    nextToken = page.NextToken;
  } while (nextToken);
  return regions;
}

export const describeAccountTask = defineTask({
  id: 'DescribeAccount',
  entry: __filename,
  input: z.object({ accountId }),
  needs: { actions: ['organizations:DescribeAccount', 'account:ListRegions'] },
  run: async (input, deps) => describeAccount(input.accountId, deps),
});

export const handler = lambdaHandler(describeAccountTask);
