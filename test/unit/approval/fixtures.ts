import { parseConfig } from '../../../config/load';
import type { WardenConfigInput } from '../../../config/schema';
import { ManualClock } from '../../../runtime/clock';
import { type LocalDynamo, startLocalDynamo } from '../../../runtime/dynamo';
import { AwsError } from '../../../runtime/sandbox/aws-error';
import { buildSandboxWorld, type SandboxWorld } from '../../../runtime/sandbox/world';
import type { ApprovalRequest } from '../../../tasks/approval/contract';
import { ApprovalStore } from '../../../tasks/approval/store';
import { ClientFactory } from '../../../tasks/shared/aws-clients';
import { RuntimeCaches } from '../../../tasks/shared/runtime-caches';
import type { TaskDeps } from '../../../tasks/shared/task';

/**
 * A small world for the approval tests: the sandbox cloud (SNS, and a recording stand-in for
 * Step Functions' callbacks), the approvals table on dynalite, and a clock the test moves.
 */
export const MANAGEMENT = '111111111111';
export const SECURITY = '222222222222';
export const MEMBER = '333333333333';
export const HOME_REGION = 'eu-west-1';
export const START = Date.parse('2026-03-01T09:00:00Z');
export const BASE_URL = 'https://approve.example.com/approvals';

export function makeConfig(overrides: Partial<WardenConfigInput> = {}) {
  return parseConfig({
    organization: {
      managementAccountId: MANAGEMENT,
      securityAccountId: SECURITY,
      homeRegion: HOME_REGION,
      regions: [HOME_REGION],
    },
    response: {},
    ...overrides,
  });
}

export function makeApprovalRequest(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    findingId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
    findingType: 'UnauthorizedAccess:EC2/SSHBruteForce',
    severity: 2,
    accountId: MEMBER,
    region: HOME_REGION,
    instanceId: 'i-0123456789abcdef0',
    addresses: [{ cidr: '198.51.100.7/32', reason: 'remote address of an SSH brute force' }],
    nacls: [
      {
        naclId: 'acl-0a1b2c3d4e5f60718',
        vpcId: 'vpc-0f1e2d3c4b5a69788',
        subnetIds: ['subnet-0a1b2c3d4e5f60718'],
      },
    ],
    blockMinutes: 1440,
    ruleBand: { start: 1, end: 90 },
    expiresAt: new Date(START + 3_600_000).toISOString(),
    onTimeout: 'reject',
    dryRun: false,
    ...overrides,
  };
}

export interface SfnCall {
  operation: 'SendTaskSuccess' | 'SendTaskFailure';
  input: Record<string, string>;
}

export interface ApprovalWorld {
  deps: TaskDeps;
  clock: ManualClock;
  world: SandboxWorld;
  dynamo: LocalDynamo;
  /** Every SendTask* call the sandbox received. */
  sfnCalls: SfnCall[];
  /** Makes the next SendTask* calls fail with this AWS error code. */
  failCallbacksWith(code: string | null): void;
  /** Everything the tasks logged, as JSON, to search for secrets. */
  logged(): string;
  close(): Promise<void>;
}

export async function makeApprovalWorld(config = makeConfig()): Promise<ApprovalWorld> {
  const clock = new ManualClock(START);
  const world = buildSandboxWorld({
    managementAccountId: MANAGEMENT,
    securityAccountId: SECURITY,
    memberAccounts: [{ id: MEMBER, name: 'member', email: 'member@example.com' }],
    memberRoleName: 'WardenMemberRole',
    regions: [HOME_REGION],
    clock: () => clock.now(),
  });
  const sfnCalls: SfnCall[] = [];
  let failure: string | null = null;
  const callback = (operation: SfnCall['operation']) => (input: Record<string, string>) => {
    if (failure) throw new AwsError(failure, `${failure}: simulated`);
    sfnCalls.push({ operation, input });
    return {};
  };
  world.cloud.register({
    name: 'sfn',
    mutating: new Set(['SendTaskSuccess', 'SendTaskFailure']),
    operations: {
      SendTaskSuccess: callback('SendTaskSuccess'),
      SendTaskFailure: callback('SendTaskFailure'),
    },
  });
  const topicArn = world.services.sns.addTopic(SECURITY, HOME_REGION, 'warden-notifications');
  const dynamo = await startLocalDynamo();
  const clients = new ClientFactory({
    ownAccount: SECURITY,
    baseCredentials: world.executionCredentials,
    transport: world.cloud.transport(),
    endpoints: { DynamoDBClient: dynamo.endpoint },
    maxAttempts: 1,
  });
  const logs: unknown[] = [];
  const record =
    (level: string) =>
    (...args: unknown[]) => {
      logs.push([level, ...args]);
    };
  const deps: TaskDeps = {
    config,
    clients,
    tables: dynamo.tables,
    topicArn,
    approvalBaseUrl: BASE_URL,
    stateMachineArns: {},
    findingsExport: {
      bucketArn: 'arn:aws:s3:::warden-findings-example',
      kmsKeyArn: 'arn:aws:kms:eu-west-1:222222222222:key/00000000-0000-4000-8000-000000000000',
    },
    now: () => new Date(clock.now()),
    logger: { info: record('info'), warn: record('warn'), error: record('error'), debug: record('debug') },
    caches: new RuntimeCaches(),
  };
  return {
    deps,
    clock,
    world,
    dynamo,
    sfnCalls,
    failCallbacksWith: (code) => {
      failure = code;
    },
    logged: () => JSON.stringify(logs),
    async close() {
      clients.destroy();
      await dynamo.close();
    },
  };
}

/** A fresh approval world and the approval store on its tables. */
export async function makeApprovalStoreWorld(
  options?: Parameters<typeof makeApprovalWorld>[0],
): Promise<{ w: ApprovalWorld; store: ApprovalStore }> {
  const w = await makeApprovalWorld(options);
  return { w, store: ApprovalStore.fromDeps(w.deps) };
}
