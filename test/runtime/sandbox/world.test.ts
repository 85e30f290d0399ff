import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SandboxCloud } from '../../../runtime/sandbox/cloud';
import { buildOrganization, registerCoreServices } from '../../../runtime/sandbox/world';
import {
  EXECUTION_ROLE,
  factoryFor,
  failureOf,
  HOME_REGION,
  MANAGEMENT,
  MEMBER_A,
  MEMBER_B,
  MEMBER_ROLE,
  makeClock,
  makeMember,
  makeWorld,
  SECURITY,
  trusting,
} from './fixtures';

describe('buildOrganization', () => {
  const bare = () =>
    buildOrganization({
      managementAccountId: MANAGEMENT,
      accounts: [makeMember({ id: SECURITY }), makeMember({ id: MEMBER_A })],
      regions: [HOME_REGION],
    });

  it('starts as a new AWS Organization: no trusted access, no delegated administrator, no role', () => {
    const { services } = bare();

    for (const service of ['guardduty.amazonaws.com', 'account.amazonaws.com']) {
      expect(services.organizations.hasTrustedAccess(service)).toBe(false);
      expect(services.organizations.isDelegatedAdministrator(SECURITY, service)).toBe(false);
    }
    expect(services.iam.allRoles()).toEqual([]);
  });

  it('refuses every call of a role that has no policies, as AWS does', async () => {
    const { cloud, services } = bare();
    services.iam.createRole(SECURITY, 'no-policies', {
      trustPolicy: trusting({ Service: 'lambda.amazonaws.com' }),
    });
    const orgs = factoryFor(cloud, SECURITY, 'no-policies').client(OrganizationsClient, {
      account: SECURITY,
      region: 'us-east-1',
    });

    const error = await failureOf(orgs.send(new ListAccountsCommand({})));

    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toContain('organizations:ListAccounts');
  });
});

describe("the sandbox service tests' organisation (makeWorld)", () => {
  it('puts the management, security and member accounts in one organisation', async () => {
    const world = await makeWorld({
      executionPolicy: [{ Effect: 'Allow', Action: 'organizations:ListAccounts', Resource: '*' }],
    });
    const orgs = world
      .clientFactory()
      .client(OrganizationsClient, { account: SECURITY, region: 'us-east-1' });

    const { Accounts } = await orgs.send(new ListAccountsCommand({}));

    expect(Accounts?.map((a) => a.Id)).toEqual([MANAGEMENT, SECURITY, MEMBER_A, MEMBER_B]);
  });

  it("delegates the services through the management account's Organizations calls", async () => {
    const world = await makeWorld({ delegatedServices: ['account.amazonaws.com'] });
    const organizations = world.services.organizations;

    expect(organizations.hasTrustedAccess('account.amazonaws.com')).toBe(true);
    expect(organizations.isDelegatedAdministrator(SECURITY, 'account.amazonaws.com')).toBe(true);
    expect(organizations.isDelegatedAdministrator(SECURITY, 'guardduty.amazonaws.com')).toBe(false);
    // The set-up's calls are not counted.
    expect(world.cloud.count({ service: 'organizations' })).toBe(0);
  });

  it('lets the execution identity reach every member account through the member role', async () => {
    const world = await makeWorld();
    const factory = world.clientFactory();

    const identities = await Promise.all(
      [MEMBER_A, MEMBER_B].map((account) =>
        factory
          .client(STSClient, { account, region: HOME_REGION, roleName: MEMBER_ROLE })
          .send(new GetCallerIdentityCommand({})),
      ),
    );

    expect(identities.map((i) => i.Account)).toEqual([MEMBER_A, MEMBER_B]);
  });

  it('runs Warden as the execution role of the security account', async () => {
    const world = await makeWorld();
    const sts = world.clientFactory().client(STSClient, { account: SECURITY, region: HOME_REGION });

    const identity = await sts.send(new GetCallerIdentityCommand({}));

    expect(identity.Arn).toBe(`arn:aws:sts::${SECURITY}:assumed-role/${EXECUTION_ROLE}/warden`);
  });

  it('does not give the security account the member role', async () => {
    const world = await makeWorld();

    expect(world.services.iam.role(SECURITY, MEMBER_ROLE)).toBeUndefined();
    expect(world.services.iam.role(MEMBER_A, MEMBER_ROLE)?.trustPolicy).toEqual(
      trusting({ AWS: `arn:aws:iam::${SECURITY}:root` }),
    );
  });
});

describe('registerCoreServices', () => {
  it('registers IAM, STS, Organizations, SNS and Account Management on the cloud', () => {
    const cloud = new SandboxCloud();

    const services = registerCoreServices(cloud, makeClock().clock, {
      managementAccount: { id: MANAGEMENT, name: 'management', email: 'root@example.com' },
    });

    for (const name of ['iam', 'sts', 'organizations', 'sns', 'account']) {
      expect(cloud.service(name)).toBe(Object.values(services).find((s) => s.name === name));
    }
  });
});
