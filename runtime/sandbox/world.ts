import type { AwsCredentialIdentity } from '@smithy/types';
import { ClientFactory } from '../../tasks/shared/aws-clients';
import { SandboxAccount } from './account';
import { type SandboxClock, systemClock } from './clock';
import { iamEnforcementFromEnvironment, SandboxCloud } from './cloud';
import { Ec2Sandbox } from './ec2';
import { SandboxEventBuses } from './event-buses';
import { addFindingsExportDestination } from './findings-export';
import { GuardDutySandbox } from './guardduty';
import { SandboxIam } from './iam';
import type { IamEnforcementMode } from './iam-enforcement';
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
 * deploys Warden into, and a hand-prepared variant for the sandbox services' unit tests
 * (`buildSandboxWorld`).
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

export interface SandboxWorldOptions {
  managementAccountId: string;
  securityAccountId: string;
  memberAccounts: WorldAccount[];
  /** The role Warden assumes in member accounts; it trusts the security account. */
  memberRoleName: string;
  /** The governed regions; the opt-in ones among them are enabled in every account (see `enabledRegions`). */
  regions: string[];
  /** Role the security account's tasks run as. @default 'warden-execution' */
  executionRoleName?: string;
  /** Services the security account is delegated administrator for. @default GuardDuty and Account Management */
  delegatedServices?: string[];
  /** @default - the system clock */
  clock?: SandboxClock;
  /** Seeds injected faults and generated ids. @default 1 */
  seed?: number;
}

export interface SandboxWorld {
  cloud: SandboxCloud;
  services: CoreServices;
  /** Credentials of Warden's tasks: the execution role in the security account. */
  executionCredentials: AwsCredentialIdentity;
  /** A client factory as Warden's tasks get it in sandbox mode. */
  clientFactory(options?: { maxAttempts?: number }): ClientFactory;
}

const DEFAULT_DELEGATED_SERVICES = ['guardduty.amazonaws.com', 'account.amazonaws.com'];

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
  /** @default - the sandbox cloud's default, 'every-principal' (see SandboxCloudOptions) */
  iamEnforcement?: IamEnforcementMode;
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
  const cloud = new SandboxCloud({ seed: options.seed, iamEnforcement: options.iamEnforcement });
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

/**
 * A sandbox organisation prepared by hand for the sandbox services' own unit tests: the security
 * account registered as delegated administrator, a member role trusting the security account in
 * every member account, and an execution role. Warden itself never runs on this (the local
 * runtime, `npm start`, the workflow tests and the deploy rehearsal start from `buildOrganization`
 * and deploy the synthesized templates); it exists so that a test of, say, GuardDuty membership
 * need not deploy Warden first.
 */
export function buildSandboxWorld(options: SandboxWorldOptions): SandboxWorld {
  const security = options.securityAccountId;
  const org = buildOrganization({
    managementAccountId: options.managementAccountId,
    accounts: [
      { id: security, name: 'security', email: `security+${security}@example.com` },
      ...options.memberAccounts,
    ],
    regions: options.regions,
    clock: options.clock,
    seed: options.seed,
    // Its roles are created without policies: their own side of a call is let through (and
    // counted as not evaluated) unless WARDEN_SANDBOX_IAM asks for every principal.
    iamEnforcement: iamEnforcementFromEnvironment() ?? 'roles-with-policies',
  });
  const { cloud, services, clock } = org;
  const { iam, organizations } = services;
  for (const service of options.delegatedServices ?? DEFAULT_DELEGATED_SERVICES) {
    organizations.enableServiceAccess(service);
    organizations.registerDelegatedAdministrator(security, service);
  }
  for (const member of options.memberAccounts) iam.createRole(member.id, options.memberRoleName, security);

  // The export destination Warden's default configuration names, as the security stack sets it up.
  addFindingsExportDestination(services, security, options.regions[0]!, {
    bucketName: `warden-findings-${security}`,
    keyId: 'warden-findings',
  });

  const executionRoleName = options.executionRoleName ?? 'warden-execution';
  iam.createRole(security, executionRoleName, 'lambda.amazonaws.com');
  const executionCredentials = cloud.issueCredentials({ account: security, roleName: executionRoleName });

  return {
    cloud,
    services,
    executionCredentials,
    clientFactory: (factoryOptions = {}) =>
      new ClientFactory({
        ownAccount: security,
        baseCredentials: executionCredentials,
        transport: cloud.transport(),
        maxAttempts: factoryOptions.maxAttempts ?? 1,
        now: clock,
      }),
  };
}
