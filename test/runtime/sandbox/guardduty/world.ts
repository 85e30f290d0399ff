import { CreateDetectorCommand, GuardDutyClient } from '@aws-sdk/client-guardduty';
import { SandboxCloud } from '../../../../runtime/sandbox/cloud';
import { type GuardDutyOptions, GuardDutySandbox } from '../../../../runtime/sandbox/guardduty';
import { SandboxKms } from '../../../../runtime/sandbox/kms';
import { SandboxS3 } from '../../../../runtime/sandbox/s3';
import { ClientFactory } from '../../../../tasks/shared/aws-clients';

export const REGION = 'eu-west-1';
export const OTHER_REGION = 'us-east-1';
export const MANAGEMENT = '100000000001';
export const SECURITY = '200000000002';
export const MEMBER = '300000000003';
export const SECOND_MEMBER = '300000000004';
export const OTHER_ADMIN = '400000000005';
export const OUTSIDER = '500000000006';
export const DAY_MS = 24 * 60 * 60 * 1000;

/** Accounts in the sandbox organisation; OTHER_ADMIN and OUTSIDER are not. */
const ORGANIZATION = new Set([MANAGEMENT, SECURITY, MEMBER, SECOND_MEMBER]);

/** Every world a test made, destroyed after that test so no test file has to remember to. */
const live: Array<{ destroy(): void }> = [];
afterEach(() => {
  for (const world of live.splice(0)) world.destroy();
});

/**
 * A sandbox cloud with GuardDuty (and the S3 buckets and KMS keys its exports go to) registered, a manual clock, and a real GuardDutyClient per
 * account, each signed with that account's own credentials (no AssumeRole involved).
 */
export function makeWorld(options: GuardDutyOptions = {}) {
  const cloud = new SandboxCloud();
  const clock = { now: Date.parse('2026-11-02T09:00:00Z') };
  const guardduty = new GuardDutySandbox({
    now: () => clock.now,
    organizationManagementAccount: MANAGEMENT,
    isOrganizationAccount: (admin, member) => ORGANIZATION.has(admin) && ORGANIZATION.has(member),
    ...options,
  });
  const s3 = new SandboxS3();
  const kms = new SandboxKms();
  cloud.register(guardduty).register(s3).register(kms);
  const factories: ClientFactory[] = [];
  const clientOf = (account: string, region = REGION): GuardDutyClient => {
    const factory = new ClientFactory({
      ownAccount: account,
      baseCredentials: cloud.issueCredentials({ account }),
      transport: cloud.transport(),
      maxAttempts: 1,
    });
    factories.push(factory);
    return factory.client(GuardDutyClient, { account, region });
  };
  const world = {
    cloud,
    guardduty,
    s3,
    kms,
    clock,
    clientOf,
    destroy: () => {
      for (const f of factories) f.destroy();
    },
  };
  live.push(world);
  return world;
}

export type World = ReturnType<typeof makeWorld>;

export async function createDetector(client: GuardDutyClient): Promise<string> {
  const out = await client.send(new CreateDetectorCommand({ Enable: true }));
  return out.DetectorId!;
}

/** An account's GuardDuty client and the detector it has just created in that region. */
export async function withDetector(world: World, account = SECURITY, region = REGION) {
  const client = world.clientOf(account, region);
  return { client, detectorId: await createDetector(client) };
}

/** Twelve-digit account ids, `count` of them, for batch-limit tests. */
export function accountIds(count: number, prefix = '6'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(11, '0')}`);
}
