import * as z from 'zod';

/**
 * The variables a Warden function may read from its Lambda environment, each with the schema its
 * function parses it with at cold start. A function's manifest picks the ones it reads
 * (`taskEnvironment('LEDGER_TABLE', 'TOPIC_ARN')`); the CDK app sets exactly those on its
 * function and no others, and the local runtime builds the same task dependencies from the
 * synthesized variables (`taskDepsFromEnvironment` in `lambda.ts`).
 */
const arnOf = (service: string) =>
  z.string().regex(new RegExp(`^arn:aws[a-z-]*:${service}:`), `must be an ARN of ${service}`);

export const TASK_VARIABLES = {
  /** The block ledger table's name. */
  LEDGER_TABLE: z.string().min(3),
  /** The approvals table's name. */
  APPROVALS_TABLE: z.string().min(3),
  /** The findings table's name. */
  FINDINGS_TABLE: z.string().min(3),
  /** The member accounts table's name. */
  ACCOUNTS_TABLE: z.string().min(3),
  /** Warden's notification topic. */
  TOPIC_ARN: arnOf('sns'),
  /** Base URL of the approval page, e.g. `https://…/approvals`. */
  APPROVAL_BASE_URL: z.string().url(),
  /** JSON object: workflow name → state machine ARN. */
  STATE_MACHINE_ARNS: z.string().min(2),
  /** The bucket GuardDuty exports findings to (the security stack's, or the configured one). */
  FINDINGS_BUCKET_ARN: z.string().regex(/^arn:aws[a-z-]*:s3:::[a-z0-9.-]{3,63}$/, 'must be an S3 bucket ARN'),
  /** The KMS key exported findings are encrypted with. */
  FINDINGS_KMS_KEY_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/, 'must be a KMS key ARN'),
  /** The history archive bucket's name. */
  ARCHIVE_BUCKET: z.string().min(3).max(63),
  /** The key archived histories are encrypted with. */
  ARCHIVE_KMS_KEY_ARN: arnOf('kms'),
} as const;

export type TaskVariable = keyof typeof TASK_VARIABLES;

/** A function's environment: a zod object whose keys are the variables it reads. */
export type EnvironmentSchema = z.ZodObject<z.ZodRawShape>;

/** The environment of a function that reads these shared variables (and nothing else). */
export function taskEnvironment<const K extends TaskVariable>(
  ...names: K[]
): z.ZodObject<{ [N in K]: (typeof TASK_VARIABLES)[N] }> {
  const shape = Object.fromEntries(names.map((n) => [n, TASK_VARIABLES[n]]));
  return z.object(shape) as never;
}

/** A function that reads no variable. */
export const NO_ENVIRONMENT: EnvironmentSchema = z.object({});

/** The variable names a function's environment declares, in declaration order. */
export function variableNames(environment: EnvironmentSchema): string[] {
  return Object.keys(environment.shape);
}

/** True when the function can run without this variable (its schema accepts it missing). */
export function isOptionalVariable(environment: EnvironmentSchema, name: string): boolean {
  const schema = environment.shape[name] as z.ZodType | undefined;
  return schema?.safeParse(undefined).success === true;
}
