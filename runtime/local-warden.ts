import { join } from 'node:path';
import type { WardenConfig } from '../config/schema';
import { ClientFactory } from '../tasks/shared/aws-clients';
import { RuntimeCaches } from '../tasks/shared/runtime-caches';
import type { TaskDeps } from '../tasks/shared/task';
import { WORKFLOWS } from '../workflows/index';
import { archiveToFolder } from './archive-folder';
import { type Clock, RealClock } from './clock';
import { type LocalDynamo, startLocalDynamo } from './dynamo';
import { LocalRuntime } from './engine';
import { ExecutionStore } from './history';
import { SfnSandbox } from './sandbox/sfn';
import { buildSandboxWorld, type SandboxWorld, type WorldAccount } from './sandbox/world';

/**
 * Warden on this machine: the sandbox organisation, DynamoDB on dynalite, the notification
 * topic, and every workflow registered in the local runtime with its real tasks. Tests, the
 * benchmarks and `warden start` all build Warden this way.
 */
export interface LocalWardenOptions {
  config: WardenConfig;
  /** Member accounts of the sandbox organisation (the management account is added as well). */
  members: WorldAccount[];
  clock?: Clock;
  /** Where executions are persisted, and archived under `archive/` once finished; memory only when omitted. */
  dataDir?: string;
  /** Seeds the sandbox's fault injection. @default 1 */
  seed?: number;
  /** SDK attempts per call (see ClientFactory). @default 1 */
  maxAttempts?: number;
  /** Fixed retry interval in ms for the state machines' Retry rules. @default - by clock */
  retryIntervalMs?: number;
  /** Names of the workflows to register (`onboarding`, ...). @default - every workflow in WORKFLOWS */
  workflows?: readonly string[];
}

export interface LocalWarden {
  config: WardenConfig;
  world: SandboxWorld;
  runtime: LocalRuntime;
  deps: TaskDeps;
  dynamo: LocalDynamo;
  clock: Clock;
  /** State machine ARN by workflow name (`response`, `onboarding`, ...). */
  stateMachines: Record<string, string>;
  topicArn: string;
  stop(): Promise<void>;
}

export const TOPIC_NAME = 'warden-notifications';

export async function startLocalWarden(options: LocalWardenOptions): Promise<LocalWarden> {
  const { config } = options;
  const clock = options.clock ?? new RealClock();
  const org = config.organization;
  const world = buildSandboxWorld({
    managementAccountId: org.managementAccountId,
    securityAccountId: org.securityAccountId,
    memberAccounts: options.members,
    memberRoleName: org.memberRoleName,
    regions: org.regions,
    clock: () => clock.now(),
    seed: options.seed,
  });
  const topicArn = world.services.sns.addTopic(org.securityAccountId, org.homeRegion, TOPIC_NAME);
  const dynamo = await startLocalDynamo();
  const clients = new ClientFactory({
    ownAccount: org.securityAccountId,
    baseCredentials: world.executionCredentials,
    transport: world.cloud.transport(),
    endpoints: { DynamoDBClient: dynamo.endpoint },
    maxAttempts: options.maxAttempts ?? 1,
    now: () => clock.now(),
  });
  const stateMachineArns: Record<string, string> = {};
  const deps: TaskDeps = {
    config,
    clients,
    tables: dynamo.tables,
    topicArn,
    approvalBaseUrl: 'http://127.0.0.1/approvals',
    stateMachineArns,
    // The export destination the sandbox world sets up (runtime/sandbox/world.ts); in AWS, the
    // security stack's bucket and key, which each function's environment names.
    findingsExport: {
      bucketArn: `arn:aws:s3:::warden-findings-${org.securityAccountId}`,
      kmsKeyArn: `arn:aws:kms:${org.regions[0]}:${org.securityAccountId}:key/warden-findings`,
    },
    now: () => new Date(clock.now()),
    logger: quietLogger,
    caches: new RuntimeCaches(),
  };
  const runtime = new LocalRuntime({
    deps,
    clock,
    store: new ExecutionStore(options.dataDir),
    account: org.securityAccountId,
    region: org.homeRegion,
    retryIntervalMs: options.retryIntervalMs,
    // As in AWS, where the ArchiveExecution task keeps each finished history past 90 days.
    onExecutionFinished: options.dataDir
      ? (record) => archiveToFolder(runtime.store, record.executionArn, join(options.dataDir!, 'archive'))
      : undefined,
  });
  world.cloud.register(new SfnSandbox(runtime));
  const wanted = options.workflows;
  for (const workflow of WORKFLOWS.filter((w) => !wanted || wanted.includes(w.name))) {
    stateMachineArns[workflow.name] = runtime.register({
      name: workflow.stateMachineName,
      definition: workflow.build(config),
      tasks: workflow.tasks,
    });
  }
  return {
    config,
    world,
    runtime,
    deps,
    dynamo,
    clock,
    stateMachines: stateMachineArns,
    topicArn,
    async stop() {
      await runtime.shutdown();
      clients.destroy();
      await dynamo.close();
    },
  };
}

/** Task logs stay out of the console locally; the execution history is what people read. */
const quietLogger: TaskDeps['logger'] = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};
