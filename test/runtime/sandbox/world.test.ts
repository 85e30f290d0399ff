import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SandboxCloud } from '../../../runtime/sandbox/cloud';
import { buildOrganization, registerCoreServices } from '../../../runtime/sandbox/world';
import {
  HOME_REGION,
  MANAGEMENT,
  MEMBER_A,
  MEMBER_B,
  MEMBER_ROLE,
  makeClock,
  makeWorld,
  SECURITY,
} from './fixtures';

describe('buildSandboxWorld', () => {
  it('puts the management, security and member accounts in one organisation', async () => {
    const world = makeWorld();
    const orgs = world
      .clientFactory()
      .client(OrganizationsClient, { account: SECURITY, region: 'us-east-1' });

    const { Accounts } = await orgs.send(new ListAccountsCommand({}));

    expect(Accounts?.map((a) => a.Id)).toEqual([MANAGEMENT, SECURITY, MEMBER_A, MEMBER_B]);
  });

  it('lets the execution identity reach every member account through the member role', async () => {
    const world = makeWorld();
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
    const world = makeWorld();
    const sts = world.clientFactory().client(STSClient, { account: SECURITY, region: HOME_REGION });

    const identity = await sts.send(new GetCallerIdentityCommand({}));

    expect(identity.Arn).toBe(`arn:aws:sts::${SECURITY}:assumed-role/warden-execution/warden`);
  });

  it('does not give the security account the member role', () => {
    const world = makeWorld();

    expect(world.services.iam.role(SECURITY, MEMBER_ROLE)).toBeUndefined();
    expect(world.services.iam.role(MEMBER_A, MEMBER_ROLE)?.trusted).toBe(SECURITY);
  });
});

describe('IAM enforcement of the sandbox organisations', () => {
  it('evaluates every principal in a bare organisation, where every role comes from a template', () => {
    const org = buildOrganization({ managementAccountId: MANAGEMENT, accounts: [], regions: [HOME_REGION] });

    expect(org.cloud.iam.mode).toBe('every-principal');
  });

  it('lets the hand-prepared world, whose roles carry no policies, through on their identity side only', () => {
    expect(makeWorld().cloud.iam.mode).toBe('roles-with-policies');
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
