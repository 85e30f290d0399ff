import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { z } from 'zod';
import { call, retryPage } from '../onboarding/aws-calls';
import { lambdaHandler } from '../shared/lambda';
import { defineTask, type TaskDeps } from '../shared/task';

/**
 * Every active account of the organisation that Warden governs as a GuardDuty member, from
 * Organizations' paginated ListAccounts: the management account and the administrator itself are
 * left out, as are suspended and closing accounts.
 */
export async function listMemberAccounts(deps: TaskDeps): Promise<string[]> {
  const { securityAccountId, managementAccountId, homeRegion } = deps.config.organization;
  const client = deps.clients.client(OrganizationsClient, { account: securityAccountId, region: homeRegion });
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await retryPage(() =>
      call('listing the organisation’s accounts', () =>
        client.send(new ListAccountsCommand({ NextToken: token })),
      ),
    );
    for (const a of page.Accounts ?? []) {
      if (!a.Id || a.Status !== 'ACTIVE') continue;
      if (a.Id === managementAccountId || a.Id === securityAccountId) continue;
      ids.push(a.Id);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return ids;
}

export const listAccountsTask = defineTask({
  id: 'ListOrganizationAccounts',
  entry: __filename,
  input: z.object({}).passthrough(),
  needs: { actions: ['organizations:ListAccounts'] },
  run: async (_input, deps) => ({
    accounts: await listMemberAccounts(deps),
    regions: deps.config.organization.regions,
  }),
});

export const handler = lambdaHandler(listAccountsTask);
