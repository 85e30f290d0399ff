import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { paginateListStateMachines, SFNClient } from '@aws-sdk/client-sfn';
import { REGION } from '../../config/aws-names';
import { STACK_NAMES } from '../../infra/names';
import { OUTPUTS } from '../../infra/outputs';
import type { WardenTables } from '../../tasks/shared/task';
import type { WorkflowModule } from '../../workflows/index';
import { describeSdkFailure } from '../audit/sources/sdk-errors';
import { CliError, UsageError } from '../cli-error';
import { checkProfile, notARegion, profileRegion } from './aws-profile';
import { runningEndpoint } from './local-endpoint';

/**
 * The Warden a command acts on, in this order: Warden in AWS when `--region` or `--profile` is
 * given (its state machines and tables read from the security stack's outputs), else the running
 * Warden at `--endpoint URL`, else the local runtime `npm start` recorded in
 * `<data dir>/runtime.json`; otherwise a one-line error that nothing is running.
 *
 * In AWS the clients are the SDK's own, configured as the SDK configures itself (profile,
 * environment, `AWS_ENDPOINT_URL_<SERVICE>`), so nothing here differs between AWS and a
 * Step Functions, DynamoDB or CloudFormation endpoint standing in for it.
 */
export interface TargetOptions {
  region?: string;
  profile?: string;
  endpoint?: string;
  dataDir?: string;
}

export interface AwsTarget {
  kind: 'aws';
  /** What the SDK clients are given: the region (`--region`, else the profile's) and the profile. */
  client: { region: string; profile?: string };
  /** The security stack's outputs, by output name. */
  outputs: Readonly<Record<string, string>>;
  description: string;
}

export interface RunningTarget {
  kind: 'running';
  /** The running Warden's origin: its Step Functions endpoint, approval page and API. */
  endpoint: string;
  description: string;
}

export type WardenTarget = AwsTarget | RunningTarget;

export async function resolveTarget(options: TargetOptions, cwd = process.cwd()): Promise<WardenTarget> {
  if (options.region !== undefined || options.profile !== undefined) {
    if (options.endpoint !== undefined) {
      throw new UsageError(
        '--endpoint names a running Warden, --region/--profile name Warden in AWS: give one or the other',
      );
    }
    if (options.region !== undefined && !REGION.test(options.region)) {
      throw new UsageError(`--region must be an AWS region such as eu-west-1, got ${options.region}`);
    }
    if (options.profile !== undefined) checkProfile(options.profile);
    // Without --region, the profile's region, resolved once so that every client and message names it.
    const region = options.region ?? (await profileRegion(options.profile!));
    if (!REGION.test(region)) throw notARegion(options.profile!, region);
    const client = { region, ...(options.profile ? { profile: options.profile } : {}) };
    const where = `${STACK_NAMES.security} in ${region}${options.profile ? ` (profile ${options.profile})` : ''}`;
    return {
      kind: 'aws',
      client,
      outputs: await readStackOutputs(client, where),
      description: `Warden in AWS (${where})`,
    };
  }
  const endpoint = runningEndpoint(options, cwd);
  return {
    kind: 'running',
    endpoint,
    description: options.endpoint ? `Warden at ${endpoint}` : `the local runtime at ${endpoint}`,
  };
}

/** DescribeStacks of the security stack: its outputs, or a one-line error saying why not. */
async function readStackOutputs(client: AwsTarget['client'], where: string): Promise<Record<string, string>> {
  const cloudFormation = new CloudFormationClient({ ...client, maxAttempts: 3 });
  try {
    const { Stacks } = await cloudFormation.send(
      new DescribeStacksCommand({ StackName: STACK_NAMES.security }),
    );
    const stack = Stacks?.[0];
    if (!stack) throw new CliError(`no stack ${where}: deploy Warden first (see the README's deploy steps)`);
    return Object.fromEntries(
      (stack.Outputs ?? []).flatMap((o) =>
        o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [],
      ),
    );
  } catch (error) {
    if (error instanceof CliError) throw error;
    const e = error as Error;
    // CloudFormation answers a stack that does not exist with ValidationError (DescribeStacks).
    if (e.name === 'ValidationError' && /does not exist/.test(e.message)) {
      throw new CliError(
        `no stack ${where}: deploy Warden first, or give the region of its security stack (the config's homeRegion)`,
      );
    }
    throw new CliError(describeSdkFailure(error, `reading the ${STACK_NAMES.security} stack`, where));
  } finally {
    cloudFormation.destroy();
  }
}

/** A stack output the command needs, or a one-line error naming it. */
export function stackOutput(target: AwsTarget, name: string): string {
  const value = target.outputs[name];
  if (value === undefined) {
    throw new CliError(
      `${target.description} has no output ${name}: deploy this version of Warden (cdk deploy ${STACK_NAMES.security})`,
    );
  }
  return value;
}

export function tableName(target: AwsTarget, table: keyof WardenTables): string {
  return stackOutput(target, OUTPUTS.tableName(table));
}

/** A Step Functions client for the target: the SDK's for AWS, the running Warden's endpoint otherwise. */
export function sfnClient(target: WardenTarget): SFNClient {
  if (target.kind === 'aws') return new SFNClient({ ...target.client, maxAttempts: 3 });
  return new SFNClient({
    endpoint: target.endpoint,
    region: 'us-east-1',
    // The local runtime does not authenticate; the SDK still signs.
    credentials: { accessKeyId: 'warden-local', secretAccessKey: 'warden-local' },
    maxAttempts: 2,
  });
}

/** The workflow's state machine: from the stack's outputs in AWS, by its name on a running Warden. */
export async function stateMachineArn(
  target: WardenTarget,
  client: SFNClient,
  workflow: Pick<WorkflowModule, 'name' | 'stateMachineName'>,
): Promise<string> {
  if (target.kind === 'aws') return stackOutput(target, OUTPUTS.stateMachineArn(workflow.name));
  try {
    for await (const page of paginateListStateMachines({ client }, {})) {
      const found = page.stateMachines?.find((m) => m.name === workflow.stateMachineName);
      if (found?.stateMachineArn) return found.stateMachineArn;
    }
  } catch (error) {
    throw new CliError(unreachable(target, error, 'listing its state machines'));
  }
  throw new CliError(`${target.description} runs no state machine named ${workflow.stateMachineName}`);
}

/** A failure talking to the target, in one line: which Warden, what was being done, what happened. */
export function unreachable(target: WardenTarget, error: unknown, doing: string): string {
  const message = describeSdkFailure(error, doing, target.description);
  return target.kind === 'running' && /^cannot reach /.test(message)
    ? `${message}; is \`npm start\` still running?`
    : message;
}
