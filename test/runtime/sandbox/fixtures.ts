import type { SandboxClock } from '../../../runtime/sandbox/clock';
import type { SandboxCloud } from '../../../runtime/sandbox/cloud';
import {
  buildSandboxWorld,
  type SandboxWorld,
  type SandboxWorldOptions,
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

export function makeWorld(overrides: Partial<SandboxWorldOptions> = {}): SandboxWorld {
  return buildSandboxWorld({
    managementAccountId: MANAGEMENT,
    securityAccountId: SECURITY,
    memberAccounts: [makeMember({ id: MEMBER_A }), makeMember({ id: MEMBER_B })],
    memberRoleName: MEMBER_ROLE,
    regions: [HOME_REGION, 'us-east-1'],
    clock: makeClock().clock,
    ...overrides,
  });
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
