import { Logger } from '@aws-lambda-powertools/logger';
import { readCompiledConfig } from '../../config/compiled';
import { describeIssues } from '../../config/issues';
import type { WardenConfig } from '../../config/schema';
import * as z from '../../config/zod-mini';
import { ClientFactory } from './aws-clients';
import { NO_ENVIRONMENT, variableNames } from './environment';
import { partitionOfRegion } from './partition';
import { RuntimeCaches } from './runtime-caches';
import {
  type FunctionManifest,
  runTask,
  type TaskDefinition,
  type TaskDeps,
  type WardenTables,
} from './task';

/**
 * How a Warden function starts: its environment is parsed once, at cold start, against the schema
 * its manifest declares, so a bad deployment fails loudly with the variable's name instead of
 * misbehaving later. A dependency whose variable the manifest does not declare is not there: the
 * task fails with `EnvironmentError` the moment it reaches for it, exactly as it would in AWS,
 * where the CDK app sets only the declared variables.
 *
 * The config is compiled into the bundle by the CDK app (esbuild `define` replaces the expression
 * `process.env.WARDEN_CONFIG`), so it cannot drift from what was synthesized and is not limited by
 * Lambda's 4 KB environment. It is validated against the full schema when it is compiled in
 * (config/compiled.ts), so the function reads it back without building that schema again.
 */
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}

/** What the caller supplies besides the variables: the local runtime passes its own. */
export interface TaskDepsOptions {
  config: WardenConfig;
  /** @default - a ClientFactory with the function's own credentials (the SDK's default chain) */
  clients?: ClientFactory;
  /** @default () => new Date() */
  now?: () => Date;
  /** @default - Powertools Logger, service `warden` */
  logger?: TaskDeps['logger'];
  /** @default - fresh caches, kept for the life of the function instance */
  caches?: RuntimeCaches;
}

/**
 * A function's `TaskDeps` from its environment record, as Lambda builds them at cold start and as
 * the local runtime builds them from the synthesized template's variables. Throws
 * `EnvironmentError` naming every invalid declared variable.
 */
export function taskDepsFromEnvironment(
  manifest: Pick<FunctionManifest, 'id' | 'environment'>,
  env: Readonly<Record<string, string | undefined>>,
  options: TaskDepsOptions,
): TaskDeps {
  const schema = manifest.environment ?? NO_ENVIRONMENT;
  const parsed = z.safeParse(schema, env);
  if (!parsed.success) {
    throw new EnvironmentError(
      `${manifest.id}'s Lambda environment is invalid:\n${describeIssues(parsed.error)}`,
    );
  }
  const values = parsed.data as Record<string, string | undefined>;
  const declared = new Set(variableNames(schema));
  const read = (variable: string): string => {
    if (!declared.has(variable)) {
      throw new EnvironmentError(
        `${manifest.id} reads ${variable}, which its manifest does not declare, so its function does not get it`,
      );
    }
    const value = values[variable];
    if (value === undefined) throw new EnvironmentError(`${manifest.id}'s environment has no ${variable}`);
    return value;
  };
  const { config } = options;
  const tables = {} as WardenTables;
  for (const [name, variable] of [
    ['ledger', 'LEDGER_TABLE'],
    ['approvals', 'APPROVALS_TABLE'],
    ['findings', 'FINDINGS_TABLE'],
    ['accounts', 'ACCOUNTS_TABLE'],
  ] as const) {
    Object.defineProperty(tables, name, { enumerable: true, get: () => read(variable) });
  }
  const deps = {
    config,
    clients:
      options.clients ??
      new ClientFactory({
        ownAccount: config.organization.securityAccountId,
        partition: partitionOfRegion(config.organization.homeRegion),
      }),
    tables,
    now: options.now ?? (() => new Date()),
    logger: options.logger ?? new Logger({ serviceName: 'warden' }),
    caches: options.caches ?? new RuntimeCaches(),
  } as TaskDeps;
  let stateMachineArns: Record<string, string> | undefined;
  Object.defineProperties(deps, {
    topicArn: { enumerable: true, get: () => read('TOPIC_ARN') },
    approvalBaseUrl: { enumerable: true, get: () => read('APPROVAL_BASE_URL') },
    stateMachineArns: {
      enumerable: true,
      get: () => {
        stateMachineArns ??= parseStateMachineArns(manifest.id, read('STATE_MACHINE_ARNS'));
        return stateMachineArns;
      },
    },
    findingsExport: {
      enumerable: true,
      get: () => ({ bucketArn: read('FINDINGS_BUCKET_ARN'), kmsKeyArn: read('FINDINGS_KMS_KEY_ARN') }),
    },
  });
  if (declared.has('ARCHIVE_BUCKET')) {
    deps.archive = { bucket: values.ARCHIVE_BUCKET, kmsKeyArn: values.ARCHIVE_KMS_KEY_ARN };
  }
  return deps;
}

function parseStateMachineArns(id: string, text: string): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new EnvironmentError(`${id}'s STATE_MACHINE_ARNS is not JSON: ${(error as Error).message}`);
  }
  const valid =
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((arn) => typeof arn === 'string' && /^arn:aws[a-z-]*:states:/.test(arn));
  if (!valid) {
    throw new EnvironmentError(
      `${id}'s STATE_MACHINE_ARNS must map workflow names to state machine ARNs, got ${text}`,
    );
  }
  return value as Record<string, string>;
}

/**
 * The config the CDK app validated and compiled into this bundle. The expression is written out in
 * full so that esbuild's `define` finds and replaces it.
 */
export function bundledConfig(): WardenConfig {
  const text = process.env.WARDEN_CONFIG;
  if (!text) throw new EnvironmentError('WARDEN_CONFIG was not compiled into this bundle');
  const compiled = readCompiledConfig(text);
  if ('problem' in compiled) throw new EnvironmentError(`WARDEN_CONFIG ${compiled.problem}`);
  return compiled.config;
}

/** A function's dependencies in Lambda: the bundled config and `process.env`. */
export function depsFromEnvironment(
  manifest: Pick<FunctionManifest, 'id' | 'environment'>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): TaskDeps {
  return taskDepsFromEnvironment(manifest, env, { config: bundledConfig() });
}

export function lambdaHandler<I, O>(task: TaskDefinition<I, O>): (event: unknown) => Promise<O> {
  let deps: TaskDeps | undefined;
  return async (event) => {
    deps ??= depsFromEnvironment(task);
    return runTask(task, event, deps);
  };
}
