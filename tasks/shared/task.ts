import type { Logger } from '@aws-lambda-powertools/logger';
import type { z } from 'zod';
import type { WardenConfig } from '../../config/schema';
import type { ClientFactory } from './aws-clients';
import { InvalidInputError } from './errors';
import type { RuntimeCaches } from './runtime-caches';

/** DynamoDB table names, as deployed or as created on dynalite by the local runtime. */
export interface WardenTables {
  /** Every NACL entry Warden created: who, what, when, until when, removed when. */
  ledger: string;
  /** Pending and decided approvals (task token, proposed action, decision). */
  approvals: string;
  /** One row per finding being responded to: intake's duplicate filter and block extension. */
  findings: string;
}

/**
 * What a task needs besides its input. Lambda builds it once per cold start from the
 * environment (`lambda.ts`); the local runtime builds it from the sandbox.
 */
export interface TaskDeps {
  config: WardenConfig;
  clients: ClientFactory;
  tables: WardenTables;
  topicArn: string;
  /** Base URL of the approval page, e.g. `https://…/approvals`. */
  approvalBaseUrl: string;
  /** ARN prefix of Warden's state machines (for callbacks and links). */
  stateMachineArns: Readonly<Record<string, string>>;
  now: () => Date;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  /** What this runtime remembers between calls; see RuntimeCaches. */
  caches: RuntimeCaches;
}

/**
 * What a task touches, declared next to its code: the CDK app grants exactly this to the task's
 * function, and an infra test checks the grants against it.
 */
export interface TaskNeeds {
  /** DynamoDB tables it reads or writes. */
  tables?: Partial<Record<keyof WardenTables, 'read' | 'write'>>;
  /** sns:Publish on Warden's topic. */
  publish?: boolean;
  /** sts:AssumeRole on Warden's member role in any account of the organisation. */
  assumeMemberRole?: boolean;
  /** states:SendTaskSuccess/Failure/Heartbeat on Warden's state machines. */
  taskCallbacks?: boolean;
  /** Other actions in the security account itself, e.g. `guardduty:CreateMembers`. */
  actions?: string[];
}

/**
 * One step of a workflow: a typed input contract and a plain function. The same object is
 * wrapped as a Lambda handler (`lambda.ts`) and bound to the Task state by the local runtime.
 */
export interface TaskDefinition<I = any, O = any> {
  /** The placeholder the ASL uses for this task's Lambda ARN: `${id}`. */
  readonly id: string;
  /**
   * The file that exports `handler = lambdaHandler(task)`; pass `__filename`. The CDK app bundles
   * this file as the task's Lambda function.
   */
  readonly entry: string;
  readonly input: z.ZodType<I>;
  readonly needs?: TaskNeeds;
  run(input: I, deps: TaskDeps): Promise<O>;
}

export function defineTask<I, O>(definition: TaskDefinition<I, O>): TaskDefinition<I, O> {
  if (!/^[A-Z][A-Za-z0-9]+$/.test(definition.id)) {
    throw new Error(`task id must be PascalCase letters and digits, got ${definition.id}`);
  }
  return definition;
}

/** Validates the input against the task's contract, then runs it. */
export async function runTask<I, O>(
  task: TaskDefinition<I, O>,
  rawInput: unknown,
  deps: TaskDeps,
): Promise<O> {
  const parsed = task.input.safeParse(rawInput);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.map(String).join('.') || '(input)'}: ${i.message}`)
      .join('; ');
    throw new InvalidInputError(`${task.id} received invalid input: ${problems}`);
  }
  return task.run(parsed.data, deps);
}
