import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Pluggable } from '@smithy/types';
import { readDecisionRecords } from '../audit/decisions/read-decisions';
import type { WardenConfig } from '../config/schema';
import type { DecisionRecord } from '../tasks/response/decision-record';
import { ClientFactory } from '../tasks/shared/aws-clients';
import { taskDepsFromEnvironment } from '../tasks/shared/lambda';
import { RuntimeCaches } from '../tasks/shared/runtime-caches';
import { type FunctionManifest, runTask, type TaskDefinition, type TaskDeps } from '../tasks/shared/task';
import { isSelected, WORKFLOWS } from '../workflows/index';
import { archiveDecisionToFolder, archiveToFolder } from './archive-folder';
import { type Clock, RealClock } from './clock';
import { deployStepsFor, performDeploySteps } from './deployment/deploy-steps';
import { ExecutionStatusPublisher } from './deployment/execution-status-events';
import { lambdaInvokeAuthorizer } from './deployment/invoke-authorization';
import { SandboxDeployment } from './deployment/sandbox-deployment';
import { fireSchedule } from './deployment/schedule-runner';
import type { DeployedFunction, StackDeployment } from './deployment/stack-model';
import { deployedTemplates } from './deployment/synth-cache';
import type { StackTemplate } from './deployment/template';
import { type Dynalite, startDynalite } from './dynamo';
import { type LocalFunction, LocalRuntime } from './engine';
import { ExecutionStore } from './history';
import { SfnSandbox } from './sandbox/sfn';
import { buildOrganization, type SandboxOrganization, type WorldAccount } from './sandbox/world';

/**
 * Warden on this machine, as deployed: the CDK app is synthesized (cached per config), the
 * sandbox organisation starts bare, and the README's deploy steps deploy the templates into it.
 * Each state machine runs the definition the template holds after substitution; each task runs as
 * its function — with the function's role `WardenTask-<id>` and the deps its environment gives
 * at cold start, through the same parsing the Lambda uses. Tests, the benchmarks and
 * `warden start` all build Warden this way.
 */
export interface LocalWardenOptions {
  config: WardenConfig;
  /** Member accounts of the sandbox organisation (the management and security accounts are added as well). */
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
  /**
   * The templates to deploy, as `cdk deploy --app cdk.out` deploys a cloud assembly made
   * elsewhere. @default - the CDK app synthesized for `config`
   * (with the organisation's id and the Control Tower home region filled in when the config has none)
   */
  templates?: readonly StackTemplate[];
  /**
   * Where S3 object calls go, e.g. moto's endpoint: the sandbox models buckets and their policies,
   * not objects (see SandboxS3). @default - none: the deployed path writes no objects
   */
  objectEndpoint?: string;
  /**
   * Middleware added to every AWS SDK client of the deployment (each function's and the
   * operator's), ahead of the sandbox transport: a test's hook to order or observe calls, as the
   * chaos property test does. @default - none
   */
  clientMiddleware?: Pluggable<any, any>;
}

export interface LocalWarden {
  config: WardenConfig;
  /** The sandbox organisation Warden is deployed into. */
  world: Pick<SandboxOrganization, 'cloud' | 'services'>;
  runtime: LocalRuntime;
  /**
   * An operator's view of the deployment: the security account's administrator with the names the
   * deployed functions get (tables, topic, state machines). Tasks never run with it.
   */
  deps: TaskDeps;
  dynamo: Dynalite & { tables: TaskDeps['tables'] };
  clock: Clock;
  /** The deployment Warden runs. */
  deployment: SandboxDeployment;
  /**
   * The "Execution Status Change" events Step Functions sent to EventBridge for each execution,
   * with what the rules did with them.
   */
  executionEvents: ExecutionStatusPublisher;
  /** State machine ARN by workflow name (`response`, `onboarding`, ...). */
  stateMachines: Record<string, string>;
  topicArn: string;
  /** The deps a deployed function's handler gets (its role and environment), by task id. */
  functionDeps(taskId: string): TaskDeps;
  /** The origin the local HTTP server answers on: the approval API's endpoint. */
  serveApprovalsAt(origin: string): void;
  /**
   * Fires the schedule that starts `workflow` (`sweep`, `free-trial`, `reconcile`), as EventBridge
   * Scheduler does on a tick at the clock's time: on the deployed path, the schedule's role from
   * the template starts the execution (see fireSchedule).
   */
  runSchedule(workflow: string): Promise<{ executionArn: string }>;
  stop(): Promise<void>;
}

/**
 * The sandbox organisation, dynalite and the runtime, with the templates ready to deploy and
 * nothing deployed: the deploy rehearsal starts here and runs the README's steps itself.
 */
export interface LocalSession {
  options: LocalWardenOptions;
  org: SandboxOrganization;
  deployment: SandboxDeployment;
  runtime: LocalRuntime;
  clock: Clock;
  /** Warden as deployed so far; fails until the security stack is deployed. */
  warden(): LocalWarden;
  stop(): Promise<void>;
}

export const TOPIC_NAME = 'warden-notifications';

export class LocalDeploymentError extends Error {
  override readonly name = 'LocalDeploymentError';
}

/**
 * Warden as deployed (see `LocalWardenOptions`): a bare sandbox organisation, the synthesized
 * templates, and the deploy steps the config's onboarding mode needs, performed as the README
 * lists them. `npm start`, the CLI's local runtime, the console and the benchmarks start here.
 */
export async function startLocalWarden(options: LocalWardenOptions): Promise<LocalWarden> {
  const session = await startLocalSession(options);
  try {
    await performDeploySteps(session, deployStepsFor(session.options.config));
    // What callers count (calls, simulated latency) starts once Warden is deployed.
    session.org.cloud.resetCalls();
    return session.warden();
  } catch (error) {
    await session.stop();
    throw error;
  }
}

/** `startLocalWarden`, by the name that says which path it is (the workflow tests use it). */
export const startDeployedWarden = startLocalWarden;

export async function startLocalSession(given: LocalWardenOptions): Promise<LocalSession> {
  const clock = given.clock ?? new RealClock();
  const org = given.config.organization;
  const security = {
    id: org.securityAccountId,
    name: 'security',
    email: `security+${org.securityAccountId}@example.com`,
  };
  const world = buildOrganization({
    managementAccountId: org.managementAccountId,
    accounts: [security, ...given.members.filter((m) => m.id !== org.securityAccountId)],
    regions: org.regions,
    clock: () => clock.now(),
    seed: given.seed,
    organizationId: org.organizationId,
  });
  // What a deployment needs and the local runtime's configs may leave out comes from the sandbox:
  // the organisation's id, and the Control Tower home region (the sandbox's lifecycle events are
  // emitted in Warden's home region).
  const config: WardenConfig = {
    ...given.config,
    organization: {
      ...org,
      organizationId: org.organizationId ?? world.services.organizations.organizationId,
      controlTowerHomeRegion: org.controlTowerHomeRegion ?? org.homeRegion,
    },
  };
  const options: LocalWardenOptions = { ...given, config };
  // With no object endpoint, Warden's object writes (the archiver's) stay in the sandbox rather
  // than leave for AWS's S3 endpoint.
  if (!options.objectEndpoint) world.services.s3.keepObjects();
  const dynalite = await startDynalite();
  const deployment = new SandboxDeployment({
    org: world,
    dynamo: dynalite,
    templates: given.templates ?? deployedTemplates(config),
  });
  const factories: ClientFactory[] = [];
  const transport = withMiddleware(options.clientMiddleware, world.cloud.transport());
  const factory = (account: string, credentials = world.administratorCredentials(account)) => {
    const clients = new ClientFactory({
      ownAccount: account,
      baseCredentials: credentials,
      transport,
      endpoints: {
        DynamoDBClient: dynalite.endpoint,
        ...(options.objectEndpoint ? { S3Client: options.objectEndpoint } : {}),
      },
      maxAttempts: options.maxAttempts ?? 1,
      now: () => clock.now(),
    });
    factories.push(clients);
    return clients;
  };

  let approvalOrigin: string | undefined;
  /** Bumped when the approval API's origin changes: each function cold-starts again with it. */
  let generation = 0;
  const functions = new Map<string, { deployed: DeployedFunction; local: LocalFunction }>();
  const stateMachines: Record<string, string> = {};
  let operator: TaskDeps | undefined;

  /** The function's variables, with the approval API's address once the local server has one. */
  const environmentOf = (fn: DeployedFunction): Record<string, string> => {
    const env = { ...fn.environment };
    if (approvalOrigin && env.APPROVAL_BASE_URL !== undefined)
      env.APPROVAL_BASE_URL = `${approvalOrigin}/approvals`;
    return env;
  };

  /**
   * A function's cold start, as Lambda does it: the same parsing of its own environment against
   * its manifest's schema, with its own role's credentials (a session of `WardenTask-<id>`).
   */
  const coldStart = (fn: DeployedFunction, manifest: FunctionManifest, account: string): TaskDeps => {
    const credentials = world.cloud.issueCredentials({
      account,
      roleName: fn.roleName,
      arn: `arn:aws:sts::${account}:assumed-role/${fn.roleName}/${fn.functionName}`,
    });
    return taskDepsFromEnvironment(manifest, environmentOf(fn), {
      config,
      clients: factory(account, credentials),
      now: () => new Date(clock.now()),
      logger: quietLogger,
    });
  };

  const executionEvents = new ExecutionStatusPublisher(world.cloud, world.services.events);
  const runtime: LocalRuntime = new LocalRuntime({
    get deps() {
      return operatorDeps();
    },
    clock,
    // Step Functions sends each status change to the default bus, where the templates' rules are.
    onStatusChange: executionEvents.publish,
    store: new ExecutionStore(options.dataDir),
    account: org.securityAccountId,
    region: org.homeRegion,
    retryIntervalMs: options.retryIntervalMs,
    // As in AWS, where the ArchiveExecution task keeps each finished history past 90 days.
    onExecutionFinished: options.dataDir
      ? (record) => archiveToFolder(runtime.store, record.executionArn, join(options.dataDir!, 'archive'))
      : undefined,
  } as ConstructorParameters<typeof LocalRuntime>[0]);
  world.cloud.register(new SfnSandbox(runtime));

  /** The security account's administrator with the deployment's names (every function's variables). */
  const operatorDeps = (): TaskDeps => {
    if (operator) return operator;
    if (functions.size === 0) {
      throw new LocalDeploymentError('Warden is not deployed yet: deploy the security stack first');
    }
    const env: Record<string, string> = {};
    for (const { deployed } of functions.values()) Object.assign(env, environmentOf(deployed));
    const need = (name: string) => {
      const value = env[name];
      if (value === undefined) throw new LocalDeploymentError(`no deployed function has ${name}`);
      return value;
    };
    const deps: TaskDeps = {
      config,
      clients: factory(org.securityAccountId),
      tables: {
        ledger: need('LEDGER_TABLE'),
        approvals: need('APPROVALS_TABLE'),
        findings: need('FINDINGS_TABLE'),
        accounts: need('ACCOUNTS_TABLE'),
      },
      topicArn: need('TOPIC_ARN'),
      approvalBaseUrl: need('APPROVAL_BASE_URL'),
      stateMachineArns: JSON.parse(need('STATE_MACHINE_ARNS')) as Record<string, string>,
      findingsExport: { bucketArn: need('FINDINGS_BUCKET_ARN'), kmsKeyArn: need('FINDINGS_KMS_KEY_ARN') },
      now: () => new Date(clock.now()),
      logger: quietLogger,
      caches: new RuntimeCaches(),
    };
    operator = deps;
    return deps;
  };

  const manifestsById = new Map<string, FunctionManifest>();
  // Loaded here, not at the top: the triggered functions' modules import this runtime's users.
  const { TRIGGERED_FUNCTIONS } = require('../infra/triggers') as typeof import('../infra/triggers');
  for (const manifest of TRIGGERED_FUNCTIONS) manifestsById.set(manifest.id, manifest);
  const tasksById = new Map<string, TaskDefinition>();
  for (const workflow of WORKFLOWS) for (const task of workflow.tasks) tasksById.set(task.id, task);

  const wire = (stack: StackDeployment) => {
    if (stack.functions.length === 0 && stack.stateMachines.length === 0) return;
    const byArn = new Map<string, LocalFunction>();
    for (const fn of stack.functions) {
      if (!fn.taskId) continue;
      let deps: { generation: number; deps: TaskDeps } | undefined;
      const task = tasksById.get(fn.taskId);
      const manifest = task ?? manifestsById.get(fn.taskId);
      const local: LocalFunction = {
        task: task ?? missingTask(fn),
        arn: fn.arn,
        deps: () => {
          if (!manifest) throw new LocalDeploymentError(`no manifest declares function ${fn.taskId}`);
          if (deps?.generation !== generation)
            deps = { generation, deps: coldStart(fn, manifest, stack.account) };
          return deps.deps;
        },
      };
      functions.set(fn.taskId, { deployed: fn, local });
      byArn.set(fn.arn, local);
      // A function an EventBridge rule targets runs when the sandbox's EventBridge invokes it.
      if (manifest?.trigger?.kind === 'event' && isTask(manifest)) {
        world.services.lambda.setHandler(fn.arn, async (event) => {
          const result = await runTask(manifest, event, local.deps());
          // The findings table is in memory: a decision record the intake kept is also written
          // to the archive folder, as finished executions are, for `warden audit` after a stop.
          const record = (result as { decisionRecord?: DecisionRecord } | undefined)?.decisionRecord;
          if (record && options.dataDir) archiveDecisionToFolder(record, join(options.dataDir, 'archive'));
          return result;
        });
      }
    }
    const wanted = options.workflows;
    for (const workflow of WORKFLOWS.filter((w) => isSelected(w, wanted))) {
      const machine = stack.stateMachines.find((m) => m.name === workflow.stateMachineName);
      if (!machine) continue;
      if (runtime.listStateMachines().some((m) => m.stateMachineArn === machine.arn)) continue;
      stateMachines[workflow.name] = runtime.register({
        name: machine.name,
        definition: machine.definition as never,
        functions: byArn,
        authorizeInvoke: lambdaInvokeAuthorizer(world.cloud, {
          account: stack.account,
          region: stack.region,
          roleName: machine.roleName,
          stateMachineName: machine.name,
        }),
      });
    }
  };
  deployment.onDeployed(wire);

  const warden = (): LocalWarden => {
    const deps = operatorDeps();
    return {
      config,
      world,
      runtime,
      deps,
      dynamo: { ...dynalite, tables: deps.tables },
      clock,
      deployment,
      executionEvents,
      stateMachines,
      topicArn: deps.topicArn,
      functionDeps(taskId) {
        const found = functions.get(taskId);
        if (!found) {
          throw new LocalDeploymentError(
            `no deployed function runs task ${taskId}; deployed: ${[...functions.keys()].join(', ')}`,
          );
        }
        return found.local.deps();
      },
      serveApprovalsAt(origin) {
        approvalOrigin = origin;
        generation += 1;
        deps.approvalBaseUrl = `${origin}/approvals`;
      },
      async runSchedule(workflow) {
        const arn = stateMachines[workflow];
        const schedule = [...deployment.stacks.values()]
          .flatMap((stack) => stack.schedules)
          .find((s) => arn !== undefined && s.targetArn === arn);
        if (!schedule) {
          throw new LocalDeploymentError(`no deployed schedule starts the ${workflow} workflow`);
        }
        return fireSchedule(world.cloud, schedule, new Date(clock.now()));
      },
      stop,
    };
  };

  let stopped = false;
  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    await runtime.shutdown();
    if (options.dataDir && functions.size > 0) await keepDecisionRecords(operatorDeps(), options.dataDir);
    for (const clients of factories) clients.destroy();
    await dynalite.close();
  }

  return { options, org: world, deployment, runtime, clock, warden, stop };
}

/**
 * Before dynalite (in memory) goes: every decision record of the findings table into the
 * archive folder, where `warden audit` reads them once the runtime has stopped — including
 * those of findings handed to the intake directly rather than through EventBridge.
 */
async function keepDecisionRecords(deps: TaskDeps, dataDir: string): Promise<void> {
  const { securityAccountId, homeRegion } = deps.config.organization;
  const doc = DynamoDBDocumentClient.from(
    deps.clients.client(DynamoDBClient, { account: securityAccountId, region: homeRegion }),
  );
  const records = await readDecisionRecords(doc, deps.tables.findings, { since: null, until: null });
  for (const record of records) archiveDecisionToFolder(record, join(dataDir, 'archive'));
}

function isTask(manifest: FunctionManifest): manifest is TaskDefinition {
  return typeof (manifest as Partial<TaskDefinition>).run === 'function';
}

/** A function whose task the local runtime does not know (not a workflow task): invoking it is a named error. */
function missingTask(fn: DeployedFunction): TaskDefinition {
  return {
    id: fn.taskId ?? fn.logicalId,
    entry: fn.functionName,
    input: { safeParse: (v: unknown) => ({ success: true, data: v }) } as never,
    run: async () => {
      throw new LocalDeploymentError(`${fn.functionName} runs no workflow task the local runtime knows`);
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

/** The sandbox transport, with the caller's middleware (if any) added to the stack first. */
function withMiddleware(middleware: Pluggable<any, any> | undefined, transport: Pluggable<any, any>) {
  if (!middleware) return transport;
  return {
    applyToStack(stack: Parameters<Pluggable<any, any>['applyToStack']>[0]) {
      middleware.applyToStack(stack);
      transport.applyToStack(stack);
    },
  } satisfies Pluggable<any, any>;
}
