import {
  EnableAWSServiceAccessCommand,
  OrganizationsClient,
  RegisterDelegatedAdministratorCommand,
} from '@aws-sdk/client-organizations';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { SandboxClock } from '../../../runtime/sandbox/clock';
import { SandboxCloud } from '../../../runtime/sandbox/cloud';
import { IamCoverage } from '../../../runtime/sandbox/iam-coverage';
import type { PolicyStatement } from '../../../runtime/sandbox/policy-document';
import {
  buildOrganization,
  type CoreServices,
  registerCoreServices,
  type WorldAccount,
} from '../../../runtime/sandbox/world';
import { type ClientClass, ClientFactory, type SdkClient } from '../../../tasks/shared/aws-clients';

/** Builders shared by the sandbox service tests: a small organisation on a clock the test owns. */
export const MANAGEMENT = '111111111111';
export const SECURITY = '222222222222';
export const MEMBER_A = '333333333333';
export const MEMBER_B = '444444444444';
export const OUTSIDER = '999999999999';
export const MEMBER_ROLE = 'WardenMemberRole';
export const EXECUTION_ROLE = 'warden-execution';
export const HOME_REGION = 'eu-west-1';
export const START = Date.parse('2026-03-01T09:00:00Z');

export interface ManualClock {
  clock: SandboxClock;
  advance(ms: number): void;
}

export function makeClock(start = START): ManualClock {
  let now = start;
  return {
    clock: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

export function makeMember(overrides: Partial<WorldAccount> & { id: string }): WorldAccount {
  return { name: `member-${overrides.id}`, email: `aws+${overrides.id}@example.com`, ...overrides };
}

export interface WorldOptions {
  /** @default MEMBER_A and MEMBER_B */
  memberAccounts?: WorldAccount[];
  /** The governed regions; their opt-in ones are enabled in every member (see `WorldAccount.enabledRegions`). */
  regions?: string[];
  /** @default - a manual clock standing at START */
  clock?: SandboxClock;
  /**
   * Services the management account enables trusted access for and registers the security account
   * as delegated administrator of. @default GuardDuty and Account Management
   */
  delegatedServices?: string[];
  /** The execution role's identity policy. @default - it may assume the member role, and nothing else */
  executionPolicy?: PolicyStatement[];
  /** The member role's identity policy. @default - none: the role can be assumed and do nothing */
  memberPolicy?: PolicyStatement[];
}

/** An organisation for a sandbox service test, set up as the test needs AWS set up (see makeWorld). */
export interface SandboxWorld {
  cloud: SandboxCloud;
  services: CoreServices;
  /** Credentials of a session of the execution role in the security account. */
  executionCredentials: AwsCredentialIdentity;
  /** A client factory acting as the execution role, as Warden's tasks act. */
  clientFactory(options?: { maxAttempts?: number }): ClientFactory;
}

const DEFAULT_DELEGATED_SERVICES = ['guardduty.amazonaws.com', 'account.amazonaws.com'];

/** A trust policy admitting `principal` to sts:AssumeRole. */
export function trusting(principal: Record<string, string>) {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }],
  };
}

/** An identity policy of `statements`. */
export function allowing(statements: PolicyStatement[]) {
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * A bare sandbox organisation (MANAGEMENT, SECURITY and the members) brought to what a sandbox
 * service test relies on, the way it is done in AWS:
 * - the management account enables trusted access for each of `delegatedServices` and registers
 *   the security account as its delegated administrator, with its own Organizations calls;
 * - the security account has an execution role (trusted by Lambda) whose identity policy is
 *   `executionPolicy`, and each member a member role trusting the security account, whose identity
 *   policy is `memberPolicy`.
 * IAM evaluates every principal, as in AWS: a role may do what its policy allows and nothing else.
 * The calls the set-up made are not counted.
 */
export async function makeWorld(options: WorldOptions = {}): Promise<SandboxWorld> {
  const clock = options.clock ?? makeClock().clock;
  const members = options.memberAccounts ?? [makeMember({ id: MEMBER_A }), makeMember({ id: MEMBER_B })];
  const org = buildOrganization({
    managementAccountId: MANAGEMENT,
    accounts: [{ id: SECURITY, name: 'security', email: `security+${SECURITY}@example.com` }, ...members],
    regions: options.regions ?? [HOME_REGION, 'us-east-1'],
    clock,
  });
  const { cloud, services } = org;
  const management = org.administratorClients(MANAGEMENT);
  const organizations = management.client(OrganizationsClient, { account: MANAGEMENT, region: 'us-east-1' });
  for (const service of options.delegatedServices ?? DEFAULT_DELEGATED_SERVICES) {
    await organizations.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: service }));
    await organizations.send(
      new RegisterDelegatedAdministratorCommand({ AccountId: SECURITY, ServicePrincipal: service }),
    );
  }
  management.destroy();

  const memberRoles = `arn:aws:iam::*:role/${MEMBER_ROLE}`;
  services.iam.createRole(SECURITY, EXECUTION_ROLE, {
    trustPolicy: trusting({ Service: 'lambda.amazonaws.com' }),
    inlinePolicies: {
      execution: allowing(
        options.executionPolicy ?? [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: memberRoles }],
      ),
    },
  });
  for (const member of members) {
    services.iam.createRole(member.id, MEMBER_ROLE, {
      trustPolicy: trusting({ AWS: `arn:aws:iam::${SECURITY}:root` }),
      inlinePolicies: options.memberPolicy ? { member: allowing(options.memberPolicy) } : {},
    });
  }
  const executionCredentials = cloud.issueCredentials({ account: SECURITY, roleName: EXECUTION_ROLE });
  cloud.resetCalls();
  return {
    cloud,
    services,
    executionCredentials,
    clientFactory: (factoryOptions = {}) =>
      new ClientFactory({
        ownAccount: SECURITY,
        baseCredentials: executionCredentials,
        transport: cloud.transport(),
        maxAttempts: factoryOptions.maxAttempts ?? 1,
        now: clock,
      }),
  };
}

/**
 * A bare organisation of MANAGEMENT and `accounts` (none configured, no role anywhere) on a cloud
 * whose allowed calls go to a coverage of its own, for tests of IAM and of Organizations' rules.
 */
export function makeBareOrganization(accounts: string[] = [SECURITY, MEMBER_A, MEMBER_B]): {
  cloud: SandboxCloud;
  services: CoreServices;
  coverage: IamCoverage;
} {
  const coverage = new IamCoverage();
  const cloud = new SandboxCloud({ iamCoverage: coverage });
  const services = registerCoreServices(cloud, makeClock().clock, {
    managementAccount: { id: MANAGEMENT, name: 'management', email: 'management@example.com' },
  });
  for (const id of accounts) {
    services.organizations.addAccount({ id, name: `account-${id}`, email: `aws+${id}@example.com` });
  }
  return { cloud, services, coverage };
}

/** A client factory whose own identity is `account` (optionally signed as `roleName`), as a test caller. */
export function factoryFor(cloud: SandboxCloud, account: string, roleName?: string): ClientFactory {
  return new ClientFactory({
    ownAccount: account,
    baseCredentials: cloud.issueCredentials({ account, roleName }),
    transport: cloud.transport(),
    maxAttempts: 1,
  });
}

/** A client of `Client` signed by `account`'s own identity in `region`. */
export function clientAs<C extends SdkClient>(
  cloud: SandboxCloud,
  Client: ClientClass<C>,
  account: string,
  region = HOME_REGION,
): C {
  return factoryFor(cloud, account).client(Client, { account, region });
}

/** The rejection of `promise`, for asserting on AWS error fields. */
export async function failureOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
