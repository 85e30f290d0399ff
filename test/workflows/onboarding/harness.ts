import { GetMemberDetectorsCommand, GuardDutyClient } from '@aws-sdk/client-guardduty';
import { parseConfig } from '../../../config/load';
import type { WardenConfig, WardenConfigInput } from '../../../config/schema';
import { ManualClock, settle } from '../../../runtime/clock';
import type { ExecutionRecord } from '../../../runtime/history';
import { type LocalWarden, startDeployedWarden } from '../../../runtime/local-warden';
import { demoMembers } from '../../../runtime/sandbox/demo-organization';
import type { WorldAccount } from '../../../runtime/sandbox/world';
import { onboardingExecutionName } from '../../../tasks/onboarding/execution-name';

export const MANAGEMENT = '111111111111';
export const SECURITY = '222222222222';
export const OTHER_ADMIN = '444444444444';
export const REGIONS = ['eu-west-1', 'us-east-1'];
/** The first of `demoMembers`: the account a harness of one member has, and a Control Tower event names by default. */
export const MEMBER = '300000000001';

export function makeConfig(
  overrides: { mode?: 'invitation' | 'organization'; regions?: string[]; onboarding?: object } = {},
): WardenConfig {
  const regions = overrides.regions ?? REGIONS;
  const input: WardenConfigInput = {
    organization: {
      managementAccountId: MANAGEMENT,
      securityAccountId: SECURITY,
      homeRegion: regions[0]!,
      regions,
    },
    onboarding: { mode: overrides.mode ?? 'invitation', ...overrides.onboarding },
    response: {},
  } as WardenConfigInput;
  return parseConfig(input, 'test config');
}

export interface Harness {
  warden: LocalWarden;
  clock: ManualClock;
  members: WorldAccount[];
  arn: string;
}

/** A local Warden on a manual clock with `memberCount` demo members, as every onboarding test uses. */
export async function startHarness(
  options: { config?: WardenConfig; memberCount?: number; members?: WorldAccount[] } = {},
): Promise<Harness> {
  const config = options.config ?? makeConfig();
  const members = options.members ?? demoMembers(options.memberCount ?? 1);
  const clock = new ManualClock();
  // Warden as deployed: the synthesized stacks in a bare organisation, after the README's deploy
  // steps (which, in organisation mode, make the security account GuardDuty's administrator).
  const warden = await startDeployedWarden({
    config,
    members,
    clock,
    retryIntervalMs: 0,
    workflows: ['onboarding', 'sweep', 'free-trial'],
  });
  return { warden, clock, members, arn: warden.stateMachines.onboarding! };
}

/** Runs the clock forward whenever every execution is parked on a Wait state, until `arn` ends. */
export async function finish(h: { warden: LocalWarden; clock: ManualClock }, executionArn: string) {
  const { runtime } = h.warden;
  for (let i = 0; i < 10_000; i++) {
    await settle(5);
    const record = runtime.describe(executionArn);
    if (record.status !== 'RUNNING') return record;
    const due = h.clock.nextDue();
    if (due !== undefined) await h.clock.advanceTo(due);
  }
  throw new Error(`${executionArn} did not finish`);
}

export async function onboard(h: Harness, request: unknown): Promise<ExecutionRecord> {
  const name = onboardingExecutionName(request, new Date(h.clock.now()));
  const { executionArn } = h.warden.runtime.start(h.arn, request, name);
  return finish(h, executionArn);
}

// biome-ignore lint/suspicious/noExplicitAny: tests read the output as loosely as an auditor does
export function outputOf(record: ExecutionRecord): any {
  return JSON.parse(record.output ?? 'null');
}

export interface ControlTowerEventOptions {
  accountId?: string;
  eventName?: string;
  state?: string;
  source?: string;
  eventId?: string;
}

/** A Control Tower lifecycle event as EventBridge delivers it; `createManagedAccount` by default. */
export function makeControlTowerEvent(options: ControlTowerEventOptions = {}): Record<string, unknown> {
  const eventName = options.eventName ?? 'CreateManagedAccount';
  const statusKey =
    eventName === 'UpdateManagedAccount' ? 'updateManagedAccountStatus' : 'createManagedAccountStatus';
  return {
    version: '0',
    id: `evt-${options.eventId ?? '1'}`,
    'detail-type': 'AWS Service Event via CloudTrail',
    source: options.source ?? 'aws.controltower',
    account: MANAGEMENT,
    time: '2026-01-01T00:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: {
      eventVersion: '1.08',
      eventID: `ct-${options.eventId ?? '1'}`,
      eventTime: '2026-01-01T00:00:00Z',
      eventSource: 'controltower.amazonaws.com',
      eventName,
      awsRegion: 'eu-west-1',
      serviceEventDetails: {
        [statusKey]: {
          organizationalUnit: {
            organizationalUnitName: 'Workloads',
            organizationalUnitId: 'ou-abcd-12345678',
          },
          account: { accountName: 'member-01', accountId: options.accountId ?? MEMBER },
          state: options.state ?? 'SUCCEEDED',
          message: 'AWS Control Tower successfully created an enrolled account.',
          requestedTimestamp: '2026-01-01T00:00:00Z',
          completedTimestamp: '2026-01-01T00:05:00Z',
        },
      },
    },
  };
}

/** The region outcomes of one account in an onboarding execution's output. */
export function regionOutcomes(record: ExecutionRecord, accountId: string): Record<string, string> {
  const summary = outputOf(record).summaries.find((s: { accountId: string }) => s.accountId === accountId);
  return Object.fromEntries(
    summary.regions.map((r: { region: string; outcome: string }) => [r.region, r.outcome]),
  );
}

/** A member's features as the administrator reads them (one GetMemberDetectors call). */
export async function memberFeatureConfigurations(h: Harness, member: string, region: string) {
  const gd = h.warden.deps.clients.client(GuardDutyClient, { account: SECURITY, region });
  const detectorId = h.warden.world.services.guardduty.detectorId(SECURITY, region);
  const out = await gd.send(new GetMemberDetectorsCommand({ DetectorId: detectorId, AccountIds: [member] }));
  return out.MemberDataSourceConfigurations?.[0]?.Features ?? [];
}

/** A member's feature statuses, by feature name, as the administrator reads them. */
export async function memberFeatures(
  h: Harness,
  member: string,
  region: string,
): Promise<Record<string, string>> {
  const features = await memberFeatureConfigurations(h, member, region);
  return Object.fromEntries(features.map((f) => [f.Name!, f.Status!]));
}
