import type { Pluggable } from '@smithy/types';
import { parseConfig } from '../../../config/load';
import type { WardenConfig, WardenConfigInput } from '../../../config/schema';
import { type Clock, ManualClock } from '../../../runtime/clock';
import { type LocalWarden, startLocalWarden } from '../../../runtime/local-warden';
import type { PublishedMessage } from '../../../runtime/sandbox/sns';
import type { ApprovalRequest } from '../../../tasks/approval/contract';
import { ApprovalStore } from '../../../tasks/approval/store';
import { type RequestApprovalOutput, requestApprovalTask } from '../../../tasks/response/request-approval';
import { runTask, type TaskDeps } from '../../../tasks/shared/task';

/**
 * The approval tests run on Warden as deployed (see `startLocalWarden`): the synthesized stacks in
 * a bare sandbox organisation, and each task as its function, with the role and environment its
 * template gives it. One deployment serves a test file; its tests stay apart by their own
 * approval ids, task tokens and messages, and each starts at START on the file's clock.
 */
export const MANAGEMENT = '111111111111';
export const SECURITY = '222222222222';
export const MEMBER = '333333333333';
export const HOME_REGION = 'eu-west-1';
export const START = Date.parse('2026-03-01T09:00:00Z');
export const BASE_URL = 'https://approve.example.com/approvals';
/** A task token RequestApproval stores (it never calls back with it). */
export const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAfake-task-token-that-must-never-leak';

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

/** A network ACL the request proposes to change, with the subnets it serves (in the request's VPC unless named). */
export function naclOf(
  naclId: string,
  subnetIds: string[],
  vpcId = 'vpc-0f1e2d3c4b5a69788',
): ApprovalRequest['nacls'][number] {
  return { naclId, vpcId, subnetIds };
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
    nacls: [naclOf('acl-0a1b2c3d4e5f60718', ['subnet-0a1b2c3d4e5f60718'])],
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

/**
 * The file's clock. It stands still until a test advances it, and each test starts at START: no
 * execution runs in these tests, so nothing sleeps on it from one test to the next.
 */
export class ApprovalClock implements Clock {
  private readonly underlying = new ManualClock(START);
  private offset = 0;

  now(): number {
    return this.underlying.now() - this.offset;
  }

  sleepUntil(at: number, signal?: AbortSignal): Promise<void> {
    return this.underlying.sleepUntil(at + this.offset, signal);
  }

  advance(ms: number): Promise<void> {
    return this.underlying.advance(ms);
  }

  /** Back to START for the next test (the underlying time only moves on). */
  restart(): void {
    this.offset = this.underlying.now() - START;
  }
}

/** The function whose deps a test file drives. */
export type ApprovalFunction = 'RequestApproval' | 'ApprovalPage';

export interface DeployedApprovals {
  warden: LocalWarden;
  clock: ApprovalClock;
  /** The function's deps as its cold start gives them, with what it logs kept for `logged()`. */
  deps: TaskDeps;
  /** The approvals table as this function reads and writes it. */
  store: ApprovalStore;
  /** The approvals table as RequestApproval writes it: approvals are stored only by that function. */
  requests: ApprovalStore;
  /** This test's task token: a callback task waiting in Step Functions, which SendTask* settles. */
  readonly token: string;
  /** The SendTask* calls Step Functions accepted for this test's token. */
  readonly sfnCalls: SfnCall[];
  /** The notifications published during this test. */
  outbox(): PublishedMessage[];
  /** Makes Step Functions answer the next SendTask* calls with this error code (null: answer again). */
  failCallbacksWith(code: string | null): void;
  /** Everything the function logged during this test, as JSON, to search for secrets. */
  logged(): string;
  /** RequestApproval as Step Functions invokes it for a callback task, with `TOKEN` unless given. */
  requestApproval(request?: ApprovalRequest, taskToken?: string): Promise<RequestApprovalOutput>;
}

/**
 * Deploys Warden once for the calling test file (beforeAll) and gives each test its view of it.
 * Read the returned object's fields inside tests and hooks only.
 */
export function deployApprovals(
  fn: ApprovalFunction,
  config: WardenConfig = makeConfig(),
): DeployedApprovals {
  const clock = new ApprovalClock();
  const accepted: SfnCall[] = [];
  const logs: unknown[] = [];
  let warden: LocalWarden | undefined;
  let deps: TaskDeps | undefined;
  let tokenSerial = 0;
  let token = '';
  let outboxFrom = 0;
  let logsFrom = 0;

  const deployed = (): LocalWarden => {
    if (!warden) throw new Error('the approvals are not deployed yet: read them inside a test');
    return warden;
  };
  const record =
    (level: string) =>
    (...args: unknown[]) => {
      logs.push([level, ...args]);
    };

  beforeAll(async () => {
    warden = await startLocalWarden({
      config,
      members: [{ id: MEMBER, name: 'member', email: 'member@example.com' }],
      clock,
      clientMiddleware: recordAcceptedCallbacks(accepted),
    });
    // The approval API's address, as `warden start` serves it; the functions cold-start with it.
    warden.serveApprovalsAt(new URL(BASE_URL).origin);
    // Lambda sends what a function logs to CloudWatch Logs, which the sandbox does not run: the
    // test keeps it instead, to check that no secret is logged.
    // (The function's deps read their variables lazily, naming any it does not get: they are
    // extended, not copied.)
    deps = Object.create(warden.functionDeps(fn), {
      logger: {
        enumerable: true,
        value: { info: record('info'), warn: record('warn'), error: record('error'), debug: record('debug') },
      },
    }) as TaskDeps;
  });
  afterAll(() => warden?.stop());

  beforeEach(() => {
    const w = deployed();
    clock.restart();
    w.world.cloud.faults.reset();
    outboxFrom = w.world.services.sns.outbox.length;
    logsFrom = logs.length;
    tokenSerial += 1;
    const executionArn = `${w.stateMachines.response!.replace(':stateMachine:', ':execution:')}:approval-${tokenSerial}`;
    token = w.runtime.tokens.issue({ executionArn, stateName: 'Ask a person to approve the block' }).token;
  });

  return {
    get warden() {
      return deployed();
    },
    clock,
    get deps() {
      deployed();
      return deps!;
    },
    get store() {
      return ApprovalStore.fromDeps(this.deps);
    },
    get requests() {
      return ApprovalStore.fromDeps(deployed().functionDeps('RequestApproval'));
    },
    get token() {
      return token;
    },
    get sfnCalls() {
      return accepted.filter((call) => call.input.taskToken === token);
    },
    outbox: () => deployed().world.services.sns.outbox.slice(outboxFrom),
    failCallbacksWith(code) {
      const { faults } = deployed().world.cloud;
      faults.reset();
      if (code === null) return;
      for (const operation of ['SendTaskSuccess', 'SendTaskFailure']) {
        faults.failOnCall({ service: 'sfn', operation, onCall: 1, times: Number.MAX_SAFE_INTEGER, code });
      }
    },
    logged: () => JSON.stringify(logs.slice(logsFrom)),
    requestApproval(request = makeApprovalRequest(), taskToken = TOKEN) {
      return runTask(requestApprovalTask, { taskToken, request }, this.deps);
    },
  };
}

/** SDK middleware keeping each SendTaskSuccess/SendTaskFailure that Step Functions answered without error. */
function recordAcceptedCallbacks(accepted: SfnCall[]): Pluggable<any, any> {
  return {
    applyToStack(stack) {
      stack.add(
        (next, context) => async (args) => {
          const result = await next(args);
          const operation = String(context.commandName ?? '').replace(/Command$/, '');
          if (context.clientName === 'SFNClient' && /^SendTask(Success|Failure)$/.test(operation)) {
            accepted.push({
              operation: operation as SfnCall['operation'],
              input: { ...(args.input as object) } as never,
            });
          }
          return result;
        },
        { step: 'initialize', name: 'approvalCallbackRecorder' },
      );
    },
  };
}
