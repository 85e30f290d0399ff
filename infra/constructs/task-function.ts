import * as path from 'node:path';
import { AssetHashType, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { WardenConfig } from '../../config/schema';
import { isOptionalVariable, variableNames } from '../../tasks/shared/environment';
import { LocalTaskBundling } from '../bundling/local-task-bundling';
import { BUNDLE_HANDLER } from '../bundling/task-bundle';
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
 * a source map, the pinned AWS SDK inside; see `TASK_BUNDLE_OPTIONS`), logging to its own encrypted log group, running as the
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

    this.function = new lambda.Function(this, 'Function', {
      ...common,
      handler: BUNDLE_HANDLER,
      // Bundled on this machine by `buildTaskBundles` (infra/bundling/task-bundle.ts), the one
      // definition of how functions are bundled, which the bundle-size test and bench:cold use.
      // The asset is hashed by its output, as the CDK's NodejsFunction does.
      code: lambda.Code.fromAsset(path.dirname(task.entry), {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          local: new LocalTaskBundling(task.entry, props.config),
          // Required by the type; never used, since local bundling either succeeds or throws.
          image: lambda.Runtime.NODEJS_22_X.bundlingImage,
        },
      }),
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
