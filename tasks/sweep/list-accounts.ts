import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { call, retryPage } from '../shared/aws-call';
import type { TaskDeps } from '../shared/task';

/**
 * Every active account of the organisation that Warden governs as a GuardDuty member, from
 * Organizations' paginated ListAccounts: the management account and the administrator itself are
 * left out, as are suspended and closing accounts. Scheduled jobs read the account list Warden
 * keeps (`tasks/accounts/registry.ts`); this listing seeds it once.
 */
export async function listMemberAccounts(deps: TaskDeps): Promise<string[]> {
  return (await listMemberAccountPages(deps, {})).ids;
}

/** Up to `pages` pages of the listing from `from` (a NextToken), and where the next page starts. */
export async function listMemberAccountPages(
  deps: TaskDeps,
  options: { from?: string; pages?: number },
): Promise<{ ids: string[]; nextToken?: string }> {
  const { securityAccountId, managementAccountId, homeRegion } = deps.config.organization;
  const client = deps.clients.client(OrganizationsClient, { account: securityAccountId, region: homeRegion });
  const ids: string[] = [];
  let nextToken = options.from;
  let read = 0;
  do {
    const token = nextToken;
    const page = await retryPage(() =>
      call('listing the organisation’s accounts', () =>
        client.send(new ListAccountsCommand({ NextToken: token })),
      ),
    );
    read += 1;
    for (const a of page.Accounts ?? []) {
      if (!a.Id || a.Status !== 'ACTIVE') continue;
      if (a.Id === managementAccountId || a.Id === securityAccountId) continue;
      ids.push(a.Id);
    }
    nextToken = page.NextToken;
  } while (nextToken && read < (options.pages ?? Number.POSITIVE_INFINITY));
  return { ids, nextToken };
}
