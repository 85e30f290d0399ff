import type { AwsCredentialIdentity } from '@smithy/types';
import { ClientFactory } from '../../tasks/shared/aws-clients';
import { SandboxAccount } from './account';
import { type SandboxClock, systemClock } from './clock';
import { SandboxCloud } from './cloud';
import { Ec2Sandbox } from './ec2';
import { SandboxEventBuses } from './event-buses';
import { GuardDutySandbox } from './guardduty';
import { SandboxIam } from './iam';
import { SandboxKms } from './kms';
import { SandboxLambdaFunctions } from './lambda-functions';
import { SandboxOrganizations } from './organizations';
import { SandboxS3 } from './s3';
import { SandboxSecretsManager } from './secrets-manager';
import { SandboxSetupError } from './setup-error';
import { SandboxSns } from './sns';
import { SandboxSts } from './sts';

/**
 * The sandbox organisation: a new AWS Organization (`buildOrganization`), which the local runtime
 * deploys Warden into. Nothing in it starts configured; what a test needs beyond it, it sets up as
 * in AWS (the sandbox service tests: `makeWorld` in test/runtime/sandbox/fixtures.ts).
 */
export interface CoreServices {
  iam: SandboxIam;
  sts: SandboxSts;
  organizations: SandboxOrganizations;
  sns: SandboxSns;
  account: SandboxAccount;
  ec2: Ec2Sandbox;
  guardduty: GuardDutySandbox;
  s3: SandboxS3;
  kms: SandboxKms;
  events: SandboxEventBuses;
  lambda: SandboxLambdaFunctions;
  secretsManager: SandboxSecretsManager;
}

export interface WorldAccount {
  id: string;
  name: string;
  email: string;
  /** Opt-in regions (of `regions`) this account has enabled. @default - every opt-in region of `regions` */
  enabledRegions?: string[];
}

/**
 * Registers IAM, STS, Organizations, SNS, Account Management, EC2, GuardDuty and the S3 buckets,
 * KMS keys and event buses (with their policies) on `cloud`. The organisation
 * starts with only its management account; add the rest with the returned services' helpers.
 */
export function registerCoreServices(
  cloud: SandboxCloud,
  clock: SandboxClock,
  organization: {
    managementAccount: { id: string; name: string; email: string };
    seed?: number;
    organizationId?: string;
  },
): CoreServices {
  const iam = new SandboxIam(clock);
  const organizations = new SandboxOrganizations({ ...organization, clock });
  const account = new SandboxAccount(organizations);
  const services: CoreServices = {
    iam,
    sts: new SandboxSts(iam, clock),
    organizations,
    sns: new SandboxSns(clock),
    account,
    ec2: new Ec2Sandbox((id, region) => account.statusOf(id, region) !== 'DISABLED'),
    guardduty: new GuardDutySandbox({
      now: clock,
      isOrganizationAccount: (_admin, member) => organizations.isMember(member),
      organizationManagementAccount: organization.managementAccount.id,
      organizations,
    }),
    s3: new SandboxS3(),
    kms: new SandboxKms(),
    events: new SandboxEventBuses(),
    lambda: new SandboxLambdaFunctions(),
    secretsManager: new SandboxSecretsManager(),
  };
  for (const service of Object.values(services)) cloud.register(service);
  return services;
}

export interface OrganizationOptions {
  managementAccountId: string;
  /** Accounts of the organisation besides the management account (the security account among them). */
  accounts: WorldAccount[];
  /** Regions whose opt-in ones are enabled in every account (see `WorldAccount.enabledRegions`). */
  regions: string[];
  /** @default - the system clock */
  clock?: SandboxClock;
  /** Seeds injected faults and generated ids. @default 1 */
  seed?: number;
  /** @default - generated from the seed */
  organizationId?: string;
}

/** A sandbox organisation and a way to act in it as an account's administrator. */
export interface SandboxOrganization {
  cloud: SandboxCloud;
  services: CoreServices;
  clock: SandboxClock;
  /** Credentials of an account's own administrator (the identity someone running `aws`/`cdk` there has). */
  administratorCredentials(account: string): AwsCredentialIdentity;
  /** A client factory acting as `account`'s administrator. */
  administratorClients(account: string, options?: { maxAttempts?: number }): ClientFactory;
}

/**
 * The sandbox organisation as a new AWS Organization is: the management account and the member
 * accounts, with no GuardDuty detector anywhere, no delegated administrator, no trusted access for
 * any service, and no Warden resource or role in any account. Deploying Warden's stacks and the
 * README's deploy steps (runtime/deployment/) bring it to a working state.
 */
export function buildOrganization(options: OrganizationOptions): SandboxOrganization {
  const clock = options.clock ?? systemClock;
  const cloud = new SandboxCloud({ seed: options.seed });
  const services = registerCoreServices(cloud, clock, {
    managementAccount: {
      id: options.managementAccountId,
      name: 'management',
      email: `management+${options.managementAccountId}@example.com`,
    },
    seed: options.seed,
    organizationId: options.organizationId,
  });
  const { organizations, account } = services;
  for (const member of options.accounts) {
    // The management account may also be governed as a member; it is already in the organisation.
    if (!organizations.isMember(member.id)) {
      organizations.addAccount({ id: member.id, name: member.name, email: member.email });
    }
  }
  const optIn = options.regions.filter(
    (region) => account.statusOf(options.managementAccountId, region) === 'DISABLED',
  );
  for (const region of optIn) account.enableRegion(options.managementAccountId, region);
  for (const member of options.accounts) {
    if (member.id === options.managementAccountId) continue;
    for (const region of member.enabledRegions ?? optIn) account.enableRegion(member.id, region);
  }
  const administrators = new Map<string, AwsCredentialIdentity>();
  const administratorCredentials = (id: string) => {
    let credentials = administrators.get(id);
    if (!credentials) {
      if (!organizations.isMember(id))
        throw new SandboxSetupError(`account ${id} is not in the organisation`);
      credentials = cloud.issueCredentials({ account: id });
      administrators.set(id, credentials);
    }
    return credentials;
  };
  return {
    cloud,
    services,
    clock,
    administratorCredentials,
    administratorClients: (id, factoryOptions = {}) =>
      new ClientFactory({
        ownAccount: id,
        baseCredentials: administratorCredentials(id),
        transport: cloud.transport(),
        maxAttempts: factoryOptions.maxAttempts ?? 1,
        now: clock,
      }),
  };
}
