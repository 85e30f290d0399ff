import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import type { WardenConfig } from '../../config/schema';
import { isOptionalVariable, variableNames } from '../../tasks/shared/environment';
import { acknowledgeRule } from '../nag';
import { PROJECT_ROOT, taskRoleName } from '../names';
import { type DeployedTask, WiringError } from '../task-catalog';
import type { LogEncryptionKey } from './log-encryption-key';
import { grantNeeds, type TaskResources } from './task-grants';

export interface TaskFunctionProps {
  readonly task: DeployedTask;
  readonly config: WardenConfig;
  /**
   * The values the stack can give a function, by variable name. The function gets exactly the
   * ones its manifest's environment declares.
   */
  readonly variables: Readonly<Record<string, string>>;
  readonly resources: TaskResources;
  readonly logs: LogEncryptionKey;
  /** @default 256 */
  readonly memorySize?: number;
}

/** Where esbuild looks in a package.json for the file to bundle (bench:cold bundles the same way). */
export const BUNDLE_MAIN_FIELDS = ['module', 'main'] as const;

/**
 * The esbuild `define` that compiles the config into the bundle (`process.env.WARDEN_CONFIG` is
 * replaced by a string literal), so it cannot drift from what was synthesized and does not count
 * against Lambda's 4 KB environment. The CDK runs esbuild through a shell with the value in double
 * quotes, where `$` and backquotes would be expanded: they are written as JavaScript escapes.
 */
export function configDefine(config: WardenConfig): Record<string, string> {
  const literal = JSON.stringify(JSON.stringify(config)).replace(/\$/g, '\\u0024').replace(/`/g, '\\u0060');
  return { 'process.env.WARDEN_CONFIG': literal };
}

/**
 * A function's variables: each one its manifest declares, from the stack's values. A declared
 * variable the stack cannot fill fails synthesis unless the function's schema accepts it missing.
 */
export function functionEnvironment(
  task: Pick<DeployedTask, 'id' | 'environment'>,
  variables: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of variableNames(task.environment)) {
    const value = variables[name];
    if (value !== undefined) out[name] = value;
    else if (!isOptionalVariable(task.environment, name)) {
      throw new WiringError(`${task.id} reads ${name}, which this stack does not provide`);
    }
  }
  return out;
}

/**
 * One Warden task as a Lambda function: Node.js 22 on ARM64, bundled with esbuild (minified, with
 * source maps, the pinned AWS SDK inside), logging to its own encrypted log group, running as the
 * role `WardenTask-<id>` that holds exactly the task's needs.
 */
export class TaskFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: TaskFunctionProps) {
    super(scope, id);
    const { task } = props;
    this.role = new iam.Role(this, 'Role', {
      roleName: taskRoleName(task.id),
      description: `Warden task ${task.id}`,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    const logGroup = props.logs.logGroup(this, 'Logs');

    const common = {
      role: this.role,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: Duration.seconds(task.timeoutSeconds ?? 60),
      environment: functionEnvironment(task, props.variables),
      logGroup,
      description: `Warden task ${task.id} (${path.relative(PROJECT_ROOT, task.entry)})`,
    };

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      ...common,
      entry: task.entry,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling: {
        target: 'node22',
        format: nodejs.OutputFormat.CJS,
        minify: true,
        sourceMap: true,
        // The packages' ES module builds first: esbuild can drop what a function does not import
        // (the AWS SDK ships both), which the CommonJS builds do not let it see.
        mainFields: [...BUNDLE_MAIN_FIELDS],
        // Bundle the exact SDK versions the tests ran with instead of the runtime's copy.
        externalModules: [],
        define: configDefine(props.config),
      },
    });

    logGroup.grantWrite(this.role);
    grantNeeds(this.role, task.id, task.needs, props.resources);
    acknowledgeRule(
      this.function,
      'L1',
      'Warden pins nodejs22.x, the runtime the tasks and the AWS SDK are tested on.',
    );
  }
}
