import { randomBytes } from 'node:crypto';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  DescribeOrganizationCommand,
  type Organization,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { ClientFactory } from '../../../tasks/shared/aws-clients';
import { MOTO_URL } from '../../moto-server';

/**
 * An organisation on moto, built the way Warden meets one in AWS: the management account (moto's
 * default identity) creates the organisation and its accounts; each new account has
 * OrganizationAccountAccessRole, which the management account assumes to create Warden's member
 * role. Every suite makes its own accounts, because moto's state is shared by all test files of a
 * run (and by runs, when moto was already up).
 */
export const HOME_REGION = 'eu-west-1';
export const OTHER_REGION = 'us-east-1';
export const MEMBER_ROLE = 'WardenMemberRole';
const ORGANIZATION_ACCESS_ROLE = 'OrganizationAccountAccessRole';

/** moto answers any signature; these only have to look like keys. */
export const MANAGEMENT_CREDENTIALS: AwsCredentialIdentity = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

export interface MotoAccount {
  id: string;
  name: string;
  /** Credentials of OrganizationAccountAccessRole in this account (an administrator). */
  admin: AwsCredentialIdentity;
}

/** A short suffix that keeps names unique across suites and runs on a shared moto. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export function managementClient<C>(
  Client: new (config: {
    endpoint: string;
    region: string;
    credentials: AwsCredentialIdentity;
    maxAttempts: number;
  }) => C,
  region = HOME_REGION,
): C {
  return new Client({ endpoint: MOTO_URL, region, credentials: MANAGEMENT_CREDENTIALS, maxAttempts: 1 });
}

/** The organisation, created on first use; another suite may have created it already. */
export async function ensureOrganization(): Promise<Organization> {
  const organizations = managementClient(OrganizationsClient, OTHER_REGION);
  try {
    return (await organizations.send(new DescribeOrganizationCommand({}))).Organization!;
  } catch (error) {
    if ((error as Error).name !== 'AWSOrganizationsNotInUseException') throw error;
  }
  try {
    return (await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }))).Organization!;
  } catch (error) {
    // Two suites raced to create it: the other one won, which is just as good.
    if ((error as Error).name !== 'AlreadyInOrganizationException') throw error;
    return (await organizations.send(new DescribeOrganizationCommand({}))).Organization!;
  }
}

/** A new account in the organisation, with administrator credentials inside it. */
export async function createAccount(name: string): Promise<MotoAccount> {
  await ensureOrganization();
  const organizations = managementClient(OrganizationsClient, OTHER_REGION);
  const created = await organizations.send(
    new CreateAccountCommand({ AccountName: name, Email: `aws+${name}@example.com` }),
  );
  const id = created.CreateAccountStatus?.AccountId;
  if (created.CreateAccountStatus?.State !== 'SUCCEEDED' || !id) {
    throw new Error(`moto did not create account ${name}: ${JSON.stringify(created.CreateAccountStatus)}`);
  }
  const admin = await assumeRole(MANAGEMENT_CREDENTIALS, id, ORGANIZATION_ACCESS_ROLE);
  return { id, name, admin };
}

/** Creates Warden's member role in `member`, trusting `trustedAccount`, as the member StackSet does. */
export async function createMemberRole(member: MotoAccount, trustedAccount: string): Promise<string> {
  const iam = new IAMClient({
    endpoint: MOTO_URL,
    region: OTHER_REGION,
    credentials: member.admin,
    maxAttempts: 1,
  });
  const out = await iam.send(
    new CreateRoleCommand({
      RoleName: MEMBER_ROLE,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${trustedAccount}:root` },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
    }),
  );
  return out.Role!.Arn!;
}

export async function assumeRole(
  credentials: AwsCredentialIdentity,
  account: string,
  roleName: string,
): Promise<AwsCredentialIdentity> {
  const sts = new STSClient({ endpoint: MOTO_URL, region: OTHER_REGION, credentials, maxAttempts: 1 });
  const out = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${account}:role/${roleName}`,
      RoleSessionName: 'warden-integration',
    }),
  );
  const c = out.Credentials!;
  return {
    accessKeyId: c.AccessKeyId!,
    secretAccessKey: c.SecretAccessKey!,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
  };
}

/** Warden's client factory as its Lambda functions get it, pointed at moto. */
export function securityClientFactory(security: MotoAccount): ClientFactory {
  return new ClientFactory({
    ownAccount: security.id,
    baseCredentials: security.admin,
    endpoint: MOTO_URL,
    maxAttempts: 1,
  });
}

/** A security account and one member account with Warden's role trusting it. */
export async function createWardenOrganization(
  label: string,
): Promise<{ security: MotoAccount; member: MotoAccount; clients: ClientFactory }> {
  const security = await createAccount(unique(`${label}-security`));
  const member = await createAccount(unique(`${label}-member`));
  await createMemberRole(member, security.id);
  return { security, member, clients: securityClientFactory(security) };
}
