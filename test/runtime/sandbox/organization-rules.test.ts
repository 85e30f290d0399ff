import { AccountClient, ListRegionsCommand } from '@aws-sdk/client-account';
import { EnableOrganizationAdminAccountCommand, GuardDutyClient } from '@aws-sdk/client-guardduty';
import {
  DescribeAccountCommand,
  EnableAWSServiceAccessCommand,
  ListAWSServiceAccessForOrganizationCommand,
  ListDelegatedAdministratorsCommand,
  OrganizationsClient,
  RegisterDelegatedAdministratorCommand,
} from '@aws-sdk/client-organizations';
import type { SandboxCloud } from '../../../runtime/sandbox/cloud';
import {
  clientAs,
  factoryFor,
  failureOf,
  HOME_REGION,
  MANAGEMENT,
  MEMBER_A,
  makeBareOrganization,
  SECURITY,
} from './fixtures';

const orgs = (cloud: SandboxCloud, account: string) =>
  clientAs(cloud, OrganizationsClient, account, 'us-east-1');

describe('Organizations read APIs', () => {
  it('refuses DescribeAccount from a member that is no delegated administrator', async () => {
    const { cloud } = makeBareOrganization();

    const error = await failureOf(
      orgs(cloud, SECURITY).send(new DescribeAccountCommand({ AccountId: MEMBER_A })),
    );

    expect(error.name).toBe('AccessDeniedException');
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(403);
  });

  it('answers DescribeAccount from the management account and, once registered, from the delegated administrator', async () => {
    const { cloud } = makeBareOrganization();
    await orgs(cloud, MANAGEMENT).send(
      new EnableAWSServiceAccessCommand({ ServicePrincipal: 'guardduty.amazonaws.com' }),
    );
    await orgs(cloud, MANAGEMENT).send(
      new RegisterDelegatedAdministratorCommand({
        AccountId: SECURITY,
        ServicePrincipal: 'guardduty.amazonaws.com',
      }),
    );

    const fromManagement = await orgs(cloud, MANAGEMENT).send(
      new DescribeAccountCommand({ AccountId: MEMBER_A }),
    );
    const fromAdmin = await orgs(cloud, SECURITY).send(new DescribeAccountCommand({ AccountId: MEMBER_A }));
    const admins = await orgs(cloud, SECURITY).send(new ListDelegatedAdministratorsCommand({}));
    const access = await orgs(cloud, MANAGEMENT).send(new ListAWSServiceAccessForOrganizationCommand({}));

    expect([fromManagement.Account?.Id, fromAdmin.Account?.Id]).toEqual([MEMBER_A, MEMBER_A]);
    expect(admins.DelegatedAdministrators?.map((a) => a.Id)).toEqual([SECURITY]);
    expect(access.EnabledServicePrincipals?.map((s) => s.ServicePrincipal)).toEqual([
      'guardduty.amazonaws.com',
    ]);
  });
});

describe('Organizations management-only operations', () => {
  it('refuses EnableAWSServiceAccess and RegisterDelegatedAdministrator from a member', async () => {
    const { cloud, services } = makeBareOrganization();

    const enable = await failureOf(
      orgs(cloud, SECURITY).send(
        new EnableAWSServiceAccessCommand({ ServicePrincipal: 'account.amazonaws.com' }),
      ),
    );
    const register = await failureOf(
      orgs(cloud, SECURITY).send(
        new RegisterDelegatedAdministratorCommand({
          AccountId: SECURITY,
          ServicePrincipal: 'account.amazonaws.com',
        }),
      ),
    );

    expect([enable.name, register.name]).toEqual(['AccessDeniedException', 'AccessDeniedException']);
    expect(services.organizations.hasTrustedAccess('account.amazonaws.com')).toBe(false);
    expect(services.organizations.isDelegatedAdministrator(SECURITY, 'account.amazonaws.com')).toBe(false);
  });

  it('refuses to register the management account or an account twice', async () => {
    const { cloud } = makeBareOrganization();
    const management = orgs(cloud, MANAGEMENT);
    const register = (account: string) =>
      management.send(
        new RegisterDelegatedAdministratorCommand({
          AccountId: account,
          ServicePrincipal: 'account.amazonaws.com',
        }),
      );
    await register(SECURITY);

    expect(await failureOf(register(MANAGEMENT))).toMatchObject({
      name: 'ConstraintViolationException',
      Reason: 'CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR',
    });
    expect((await failureOf(register(SECURITY))).name).toBe('AccountAlreadyRegisteredException');
    expect((await failureOf(register('123456789012'))).name).toBe('AccountNotFoundException');
  });
});

describe('Account Management for another account', () => {
  const listFor = (cloud: SandboxCloud, caller: string) =>
    clientAs(cloud, AccountClient, caller, HOME_REGION).send(new ListRegionsCommand({ AccountId: MEMBER_A }));

  it('needs trusted access for Account Management as well as the delegation', async () => {
    const { cloud, services } = makeBareOrganization();
    services.organizations.registerDelegatedAdministrator(SECURITY, 'account.amazonaws.com');

    expect((await failureOf(listFor(cloud, SECURITY))).name).toBe('AccessDeniedException');

    services.organizations.enableServiceAccess('account.amazonaws.com');
    await expect(listFor(cloud, SECURITY)).resolves.toMatchObject({ Regions: expect.any(Array) });
  });

  it('refuses a member that is not the Account Management delegated administrator, even with trusted access', async () => {
    const { cloud, services } = makeBareOrganization();
    services.organizations.enableServiceAccess('account.amazonaws.com');
    services.organizations.registerDelegatedAdministrator(SECURITY, 'guardduty.amazonaws.com');

    expect((await failureOf(listFor(cloud, SECURITY))).name).toBe('AccessDeniedException');
  });
});

describe('GuardDuty EnableOrganizationAdminAccount', () => {
  const enable = (cloud: SandboxCloud, caller: string, region = HOME_REGION) =>
    clientAs(cloud, GuardDutyClient, caller, region).send(
      new EnableOrganizationAdminAccountCommand({ AdminAccountId: SECURITY }),
    );

  it('refuses a member account', async () => {
    const { cloud, services } = makeBareOrganization();

    expect((await failureOf(enable(cloud, MEMBER_A))).name).toBe('BadRequestException');
    expect(services.organizations.hasTrustedAccess('guardduty.amazonaws.com')).toBe(false);
  });

  it('from the management account, enables trusted access and registers the delegated administrator, per Region', async () => {
    const { cloud, services } = makeBareOrganization();

    await enable(cloud, MANAGEMENT);

    expect(services.organizations.hasTrustedAccess('guardduty.amazonaws.com')).toBe(true);
    expect(services.organizations.isDelegatedAdministrator(SECURITY, 'guardduty.amazonaws.com')).toBe(true);
    expect(services.guardduty.relationship(SECURITY, MEMBER_A, 'us-east-1')).toBeUndefined();
    await expect(enable(cloud, MANAGEMENT, 'us-east-1')).resolves.toBeDefined();
  });

  it('needs the Organizations permissions GuardDuty documents for a role of the management account', async () => {
    const { cloud, services } = makeBareOrganization();
    const trustPolicy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MANAGEMENT}:root` }, Action: 'sts:AssumeRole' },
      ],
    };
    services.iam.createRole(MANAGEMENT, 'Deployer', {
      trustPolicy,
      inlinePolicies: {
        gd: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'guardduty:EnableOrganizationAdminAccount', Resource: '*' }],
        },
      },
    });
    const gd = factoryFor(cloud, MANAGEMENT, 'Deployer').client(GuardDutyClient, {
      account: MANAGEMENT,
      region: HOME_REGION,
    });

    const error = await failureOf(
      gd.send(new EnableOrganizationAdminAccountCommand({ AdminAccountId: SECURITY })),
    );

    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toContain('organizations:EnableAWSServiceAccess');
  });
});
