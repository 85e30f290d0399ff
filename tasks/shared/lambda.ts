import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { describeIssues, parseConfig } from '../../config/load';
import { ClientFactory } from './aws-clients';
import { RuntimeCaches } from './runtime-caches';
import { runTask, type TaskDefinition, type TaskDeps } from './task';

/**
 * Wraps a task as a Lambda handler. The environment is validated once, at cold start, so a bad
 * deployment fails loudly with the variable's name instead of misbehaving later. The config is
 * compiled into the bundle by the CDK app (esbuild `define`), so it cannot drift from what was
 * synthesized and is not limited by Lambda's 4 KB environment.
 */
const LambdaEnvironment = z.object({
  WARDEN_CONFIG: z.string().min(2, 'must hold the Warden config as JSON'),
  LEDGER_TABLE: z.string().min(3),
  APPROVALS_TABLE: z.string().min(3),
  FINDINGS_TABLE: z.string().min(3),
  TOPIC_ARN: z.string().startsWith('arn:aws'),
  APPROVAL_BASE_URL: z.string().url(),
  STATE_MACHINE_ARNS: z.string().default('{}'),
});

export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}

export function depsFromEnvironment(env: NodeJS.ProcessEnv = process.env): TaskDeps {
  const parsed = LambdaEnvironment.safeParse(env);
  if (!parsed.success)
    throw new EnvironmentError(`Lambda environment is invalid:\n${describeIssues(parsed.error)}`);
  const e = parsed.data;
  const config = parseConfig(JSON.parse(e.WARDEN_CONFIG), 'WARDEN_CONFIG');
  const logger = new Logger({ serviceName: 'warden' });
  return {
    config,
    clients: new ClientFactory({ ownAccount: config.organization.securityAccountId }),
    tables: { ledger: e.LEDGER_TABLE, approvals: e.APPROVALS_TABLE, findings: e.FINDINGS_TABLE },
    topicArn: e.TOPIC_ARN,
    approvalBaseUrl: e.APPROVAL_BASE_URL,
    stateMachineArns: JSON.parse(e.STATE_MACHINE_ARNS) as Record<string, string>,
    now: () => new Date(),
    logger,
    caches: new RuntimeCaches(),
  };
}

export function lambdaHandler<I, O>(task: TaskDefinition<I, O>): (event: unknown) => Promise<O> {
  let deps: TaskDeps | undefined;
  return async (event) => {
    deps ??= depsFromEnvironment();
    return runTask(task, event, deps);
  };
}
