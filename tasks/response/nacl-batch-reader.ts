import { DescribeNetworkAclsCommand, EC2Client, type NetworkAclEntry } from '@aws-sdk/client-ec2';
import { call, chunks, PAGE_ATTEMPTS, retryPage } from '../shared/aws-call';
import { MemberRoleUnavailableError } from '../shared/errors';
import type { TaskDeps } from '../shared/task';

/**
 * The entries of many NACLs of one account and region, read with as few DescribeNetworkAcls calls
 * as possible: ids go in a `network-acl-id` filter, NACLS_PER_CALL at a time, following NextToken.
 * A filter (not NetworkAclIds) because with ids EC2 fails the whole call when one NACL is gone
 * (`InvalidNetworkAclID.NotFound`), while a filter simply leaves it out of the answer
 * (DescribeNetworkAcls, Amazon EC2 API Reference). Each page is retried on its own.
 */
export const NACLS_PER_CALL = 100;

export async function readNaclEntries(
  deps: Pick<TaskDeps, 'clients' | 'config'>,
  account: string,
  region: string,
  naclIds: readonly string[],
): Promise<Map<string, NetworkAclEntry[]>> {
  const roleName = deps.config.organization.memberRoleName;
  const ec2 = deps.clients.client(EC2Client, { account, region, roleName });
  const roleUnavailable = (error: Error): never => {
    deps.clients.forget({ account, region, roleName });
    throw new MemberRoleUnavailableError(`cannot assume ${roleName} in ${account}: ${error.message}`);
  };
  const found = new Map<string, NetworkAclEntry[]>();
  for (const batch of chunks(naclIds, NACLS_PER_CALL)) {
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await retryPage(
        () =>
          call(
            `reading ${batch.length} network ACLs (${account} ${region})`,
            () =>
              ec2.send(
                new DescribeNetworkAclsCommand({
                  Filters: [{ Name: 'network-acl-id', Values: batch }],
                  NextToken: token,
                }),
              ),
            { AccessDenied: roleUnavailable, AccessDeniedException: roleUnavailable },
          ),
        PAGE_ATTEMPTS,
      );
      for (const nacl of page.NetworkAcls ?? []) {
        if (nacl.NetworkAclId) found.set(nacl.NetworkAclId, [...(nacl.Entries ?? [])]);
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return found;
}
