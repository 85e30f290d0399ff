import * as z from '../../config/zod-mini';

/**
 * The variables a Warden function may read from its Lambda environment, each with the schema its
 * function parses it with at cold start. A function's manifest picks the ones it reads
 * (`taskEnvironment('LEDGER_TABLE', 'TOPIC_ARN')`); the CDK app sets exactly those on its
 * function and no others, and the local runtime builds the same task dependencies from the
 * synthesized variables (`taskDepsFromEnvironment` in `lambda.ts`).
 */
const arnOf = (service: string) =>
  z.string().check(z.regex(new RegExp(`^arn:aws[a-z-]*:${service}:`), `must be an ARN of ${service}`));
const tableName = () => z.string().check(z.minLength(3));

export const TASK_VARIABLES = {
  /** The block ledger table's name. */
  LEDGER_TABLE: tableName(),
  /** The approvals table's name. */
  APPROVALS_TABLE: tableName(),
  /** The findings table's name. */
  FINDINGS_TABLE: tableName(),
  /** The member accounts table's name. */
  ACCOUNTS_TABLE: tableName(),
  /** Warden's notification topic. */
  TOPIC_ARN: arnOf('sns'),
  /** Base URL of the approval page, e.g. `https://…/approvals`. */
  APPROVAL_BASE_URL: z.string().check(z.url()),
  /** JSON object: workflow name → state machine ARN. */
  STATE_MACHINE_ARNS: z.string().check(z.minLength(2)),
  /** The bucket GuardDuty exports findings to (the security stack's, or the configured one). */
  FINDINGS_BUCKET_ARN: z
    .string()
    .check(z.regex(/^arn:aws[a-z-]*:s3:::[a-z0-9.-]{3,63}$/, 'must be an S3 bucket ARN')),
  /** The KMS key exported findings are encrypted with. */
  FINDINGS_KMS_KEY_ARN: z
    .string()
    .check(z.regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/, 'must be a KMS key ARN')),
  /** The history archive bucket's name. */
  ARCHIVE_BUCKET: z.string().check(z.minLength(3), z.maxLength(63)),
  /** The key archived histories are encrypted with. */
  ARCHIVE_KMS_KEY_ARN: arnOf('kms'),
} as const;

export type TaskVariable = keyof typeof TASK_VARIABLES;

/**
 * A function's environment: a zod object (of either zod build: the approval page's sign-in
 * settings are classic) whose keys are the variables it reads.
 */
export type EnvironmentSchema = z.core.$ZodObject;

/** The environment of a function that reads these shared variables (and nothing else). */
export function taskEnvironment<const K extends TaskVariable>(
  ...names: K[]
): z.ZodMiniObject<{ [N in K]: (typeof TASK_VARIABLES)[N] }> {
  const shape = Object.fromEntries(names.map((n) => [n, TASK_VARIABLES[n]]));
  return z.object(shape) as never;
}

/** A function that reads no variable. */
export const NO_ENVIRONMENT: EnvironmentSchema = z.object({});

/** The variable names a function's environment declares, in declaration order. */
export function variableNames(environment: EnvironmentSchema): string[] {
  return Object.keys(environment._zod.def.shape);
}

/** True when the function can run without this variable (its schema accepts it missing). */
export function isOptionalVariable(environment: EnvironmentSchema, name: string): boolean {
  const schema = environment._zod.def.shape[name];
  return schema !== undefined && z.safeParse(schema, undefined).success;
}
