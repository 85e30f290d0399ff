import { AccountClient, GetRegionOptStatusCommand } from '@aws-sdk/client-account';
import { GetAccountPasswordPolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import {
  clientAs,
  failureOf,
  MANAGEMENT,
  MEMBER_A,
  MEMBER_ROLE,
  makeWorld,
  type SandboxWorld,
  SECURITY,
} from './fixtures';

/**
 * Each sandbox service answers a throttled call with the error its API names for it, which the
 * SDK marks as throttling (so its retry strategy backs off), and the call is counted as failed.
 */
describe('throttled sandbox services', () => {
  it.each([
    [
      'Account Management',
      'TooManyRequestsException',
      'account',
      'GetRegionOptStatus',
      (world: SandboxWorld) =>
        clientAs(world.cloud, AccountClient, MEMBER_A, 'us-east-1').send(
          new GetRegionOptStatusCommand({ RegionName: 'eu-west-1' }),
        ),
    ],
    [
      'IAM',
      'Throttling',
      'iam',
      'GetAccountPasswordPolicy',
      (world: SandboxWorld) =>
        clientAs(world.cloud, IAMClient, MEMBER_A).send(new GetAccountPasswordPolicyCommand({})),
    ],
    [
      'Organizations',
      'TooManyRequestsException',
      'organizations',
      'ListAccounts',
      (world: SandboxWorld) =>
        clientAs(world.cloud, OrganizationsClient, MANAGEMENT, 'us-east-1').send(new ListAccountsCommand({})),
    ],
    [
      'STS',
      'Throttling',
      'sts',
      'AssumeRole',
      (world: SandboxWorld) =>
        clientAs(world.cloud, STSClient, SECURITY).send(
          new AssumeRoleCommand({
            RoleArn: `arn:aws:iam::${MEMBER_A}:role/${MEMBER_ROLE}`,
            RoleSessionName: 'warden',
          }),
        ),
    ],
  ])('%s answers a throttled call with %s', async (_name, code, service, operation, call) => {
    const world = await makeWorld();
    world.cloud.faults.throttle({ service, operation, rate: 1 });

    const error = await failureOf(call(world));

    expect(error.name).toBe(code);
    expect(error.$retryable).toEqual({ throttling: true });
    expect(world.cloud.calls.at(-1)).toMatchObject({ service, operation, error: code });
  });
});
