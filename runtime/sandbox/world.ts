import type { AwsCredentialIdentity } from '@smithy/types';
import { ClientFactory } from '../../tasks/shared/aws-clients';
import { SandboxAccount } from './account';
import { type SandboxClock, systemClock } from './clock';
import { SandboxCloud } from './cloud';
import { Ec2Sandbox } from './ec2';
import { SandboxEventBuses } from './event-buses';
import { addFindingsExportDestination } from './findings-export';
import { GuardDutySandbox } from './guardduty';
import { SandboxIam } from './iam';
import { SandboxKms } from './kms';
import { SandboxOrganizations } from './organizations';
import { SandboxS3 } from './s3';
import { SandboxSns } from './sns';
import { SandboxSts } from './sts';

/**
 * Builds the sandbox organisation Warden runs against locally and in workflow tests: a
 * management account, a security account (Warden's home, delegated administrator), member
 * accounts each with the role Warden assumes, and the credentials Warden's tasks run with.
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
  organization: { managementAccount: { id: string; name: string; email: string }; seed?: number },
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
  };
  for (const service of Object.values(services)) cloud.register(service);
  return services;
}

export function buildSandboxWorld(options: SandboxWorldOptions): SandboxWorld {
  const clock = options.clock ?? systemClock;
  const cloud = new SandboxCloud({ seed: options.seed });
  const services = registerCoreServices(cloud, clock, {
    managementAccount: {
      id: options.managementAccountId,
      name: 'management',
      email: `management+${options.managementAccountId}@example.com`,
    },
    seed: options.seed,
  });
  const { iam, organizations, account } = services;

  const security = options.securityAccountId;
  organizations.addAccount({ id: security, name: 'security', email: `security+${security}@example.com` });
  for (const service of options.delegatedServices ?? DEFAULT_DELEGATED_SERVICES) {
    organizations.enableServiceAccess(service);
    organizations.registerDelegatedAdministrator(security, service);
  }
  for (const member of options.memberAccounts) {
    // The management account may also be governed as a member; it is already in the organisation.
    if (!organizations.isMember(member.id)) {
      organizations.addAccount({ id: member.id, name: member.name, email: member.email });
    }
    iam.createRole(member.id, options.memberRoleName, security);
  }

  // The export destination Warden's default configuration names, as the security stack sets it up.
  addFindingsExportDestination(services, security, options.regions[0]!, {
    bucketName: `warden-findings-${security}`,
    keyId: 'warden-findings',
  });

  const optIn = options.regions.filter((region) => account.statusOf(security, region) === 'DISABLED');
  for (const id of [options.managementAccountId, security]) {
    for (const region of optIn) account.enableRegion(id, region);
  }
  for (const member of options.memberAccounts) {
    for (const region of member.enabledRegions ?? optIn) account.enableRegion(member.id, region);
  }

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
