import type { Logger } from '@aws-lambda-powertools/logger';
import type { WardenConfig } from '../../config/schema';
import type * as z from '../../config/zod-mini';
import type { ClientFactory } from './aws-clients';
import { type EnvironmentSchema, NO_ENVIRONMENT, variableNames } from './environment';
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
  /** The organisation's member accounts, kept current from Organizations events (the sweep's list). */
  accounts: string;
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
  /** Where the administrator's detectors export findings (CreatePublishingDestination). */
  findingsExport: { bucketArn: string; kmsKeyArn: string };
  /**
   * The history archive's bucket and key, from the function's own environment (only a function
   * whose manifest declares ARCHIVE_BUCKET has it). @default - absent
   */
  archive?: { bucket?: string; kmsKeyArn?: string };
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
  /**
   * What it calls inside member accounts through the member role. The member role allows the
   * union of these over every task, and trusts exactly the roles of the tasks that declare them.
   */
  memberActions?: string[];
  /** states:SendTaskSuccess/Failure/Heartbeat on Warden's state machines. */
  taskCallbacks?: boolean;
  /** Other actions in the security account itself, e.g. `guardduty:CreateMembers`. */
  actions?: string[];
  /** s3:PutObject into the history archive (with its key). */
  writeArchive?: boolean;
  /** Secrets of the security stack it reads: the approval page's session key. */
  secrets?: Partial<Record<'approvalSession', 'read'>>;
}

/**
 * What starts a function. Workflow tasks are invoked by their state machines; the others are
 * started by an EventBridge rule or by the approval API, which the security stack creates for them.
 */
export type FunctionTrigger =
  | { kind: 'workflow' }
  | {
      kind: 'event';
      events:
        | 'guardduty-findings'
        | 'control-tower-lifecycle'
        | 'organizations-accounts'
        | 'executions-finished';
    }
  | { kind: 'http'; api: 'approval' };

/**
 * One Lambda function of Warden, declared next to its code: what starts it, the environment it
 * reads (the schema it parses at cold start, from which the CDK app sets its variables) and what
 * it calls (from which the CDK app writes its role). Nothing in `infra/` adds to either.
 */
export interface FunctionManifest {
  /** The function's id; its role is `WardenTask-<id>`, a workflow's ASL names it `${id}`. */
  readonly id: string;
  /**
   * The file that exports `handler`; pass `__filename`. The CDK app bundles this file as the
   * function.
   */
  readonly entry: string;
  /** @default - { kind: 'workflow' } */
  readonly trigger?: FunctionTrigger;
  /** The variables it reads. @default - none */
  readonly environment?: EnvironmentSchema;
  readonly needs?: TaskNeeds;
  /** @default 60 seconds */
  readonly timeoutSeconds?: number;
}

/** A manifest's mistakes that would only show at deploy or run time. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

const TABLE_VARIABLES: Record<keyof WardenTables, string> = {
  ledger: 'LEDGER_TABLE',
  approvals: 'APPROVALS_TABLE',
  findings: 'FINDINGS_TABLE',
  accounts: 'ACCOUNTS_TABLE',
};

/**
 * Checks a manifest on its own: a PascalCase id, every table it touches and the topic it
 * publishes to named in its environment (it could not find them otherwise), and member actions
 * only with the member role.
 */
export function checkManifest<M extends FunctionManifest>(manifest: M): M {
  if (!/^[A-Z][A-Za-z0-9]+$/.test(manifest.id)) {
    throw new ManifestError(`task id must be PascalCase letters and digits, got ${manifest.id}`);
  }
  const variables = new Set(variableNames(manifest.environment ?? NO_ENVIRONMENT));
  const needs = manifest.needs ?? {};
  const wanted = [
    ...Object.keys(needs.tables ?? {}).map((t) => TABLE_VARIABLES[t as keyof WardenTables]),
    ...(needs.publish ? ['TOPIC_ARN'] : []),
  ];
  const missing = wanted.filter((v) => !variables.has(v));
  if (missing.length > 0) {
    throw new ManifestError(
      `${manifest.id} needs ${missing.join(', ')} in its environment to find what its needs grant`,
    );
  }
  if ((needs.memberActions ?? []).length > 0 && !needs.assumeMemberRole) {
    throw new ManifestError(`${manifest.id} declares memberActions without assumeMemberRole`);
  }
  return manifest;
}

/** A function that is not a workflow task (the approval page), declared like one. */
export function defineFunction(manifest: FunctionManifest): FunctionManifest {
  return checkManifest(manifest);
}

/**
 * One step of a workflow (or an event-started function): its manifest, a typed input contract and
 * a plain function. The same object is wrapped as a Lambda handler (`lambda.ts`), bound to the
 * Task state by the local runtime, and deployed by the CDK app from its manifest.
 */
export interface TaskDefinition<I = any, O = any> extends FunctionManifest {
  /** Its input contract: a zod schema of either build (the Lambda side's are zod/mini). */
  readonly input: z.AnyZodSchema<I>;
  run(input: I, deps: TaskDeps): Promise<O>;
}

export function defineTask<I, O>(definition: TaskDefinition<I, O>): TaskDefinition<I, O> {
  return checkManifest(definition);
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
