import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { WardenConfig } from '../../config/schema';
import type { WorkflowModule } from '../../workflows/index';
import { acknowledgeFindings, acknowledgeRule } from '../nag';
import { checkPlaceholders, WiringError } from '../task-catalog';
import type { LogEncryptionKey } from './log-encryption-key';

/** How a service integration's ARN starts in the ASL. */
const COMMERCIAL_INTEGRATION = '"arn:aws:states:::';

export interface WorkflowStateMachineProps {
  readonly workflow: WorkflowModule;
  readonly config: WardenConfig;
  /** Every Warden task function, by task id. */
  readonly functions: ReadonlyMap<string, lambda.IFunction>;
  readonly logs: LogEncryptionKey;
}

/**
 * A workflow deployed as a STANDARD state machine whose definition is exactly
 * `workflow.build(config)` (the JSON the local runtime runs); CloudFormation fills each
 * `${TaskId}` with that task's function ARN. Traces with X-Ray when `observability.tracing` is on.
 *
 * Logs only ERROR events (failed executions, tasks and states), without execution data, to an
 * encrypted log group: the audit trail is the execution history itself, which the archiver reads
 * in full (`GetExecutionHistory` with `includeExecutionData`) into the archive bucket when each
 * execution ends, and which does not depend on the logging level. Logging ALL events with their
 * inputs and outputs wrote every finding several times per state into CloudWatch Logs, the
 * largest cost after the state transitions themselves (see bench:cost).
 */
export class WorkflowStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: WorkflowStateMachineProps) {
    super(scope, id);
    const { workflow } = props;
    const definition = workflow.build(props.config);
    const placeholders = checkPlaceholders(workflow, definition);

    // The ASL names service integrations in the commercial partition (the local runtime's); the
    // deployed definition names them in the stack's partition (aws-cn, aws-us-gov, ...), through
    // the partition pseudo parameter inside the definition string.
    const substitutions: Record<string, string> = {};
    const body = JSON.stringify(definition)
      .split(COMMERCIAL_INTEGRATION)
      .join(`"arn:${Stack.of(this).partition}:states:::`);
    const invoked: lambda.IFunction[] = [];
    for (const taskId of placeholders) {
      const fn = props.functions.get(taskId);
      if (!fn) throw new WiringError(`workflow ${workflow.name}: no function was created for task ${taskId}`);
      substitutions[taskId] = fn.functionArn;
      invoked.push(fn);
    }

    const logGroup = props.logs.logGroup(this, 'Logs', `/aws/vendedlogs/states/${workflow.stateMachineName}`);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: workflow.stateMachineName,
      comment: workflow.description,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(body),
      // CloudFormation refuses an empty DefinitionSubstitutions map (a workflow without tasks).
      definitionSubstitutions: placeholders.length > 0 ? substitutions : undefined,
      logs: { destination: logGroup, level: sfn.LogLevel.ERROR, includeExecutionData: false },
      tracingEnabled: props.config.observability.tracing,
    });
    if (invoked.length > 0) {
      // The unqualified ARN only: the definitions never name a version or alias.
      this.stateMachine.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'InvokeWorkflowTasks',
          actions: ['lambda:InvokeFunction'],
          resources: invoked.map((fn) => fn.functionArn),
        }),
      );
    }
    acknowledgeRule(
      this.stateMachine,
      'SF1',
      'Logs ERROR events only: every execution history is archived in full to the encrypted, versioned archive bucket when it ends (ArchiveExecution), which is the audit trail; ALL-level logs would duplicate it at a cost per finding.',
    );
    if (!props.config.observability.tracing) {
      acknowledgeRule(
        this.stateMachine,
        'SF2',
        'X-Ray tracing is off by default (observability.tracing): the audit trail is each execution history, archived in full, and traces would add a cost per finding; turn it on to trace latency.',
      );
    }
    acknowledgeFindings(
      this.stateMachine,
      'IAM5',
      ['Resource::*'],
      'Step Functions log delivery (logs:*LogDelivery, DescribeLogGroups, ...) and X-Ray tracing ' +
        '(PutTraceSegments, PutTelemetryRecords, GetSampling*) support no resource-level permissions.',
    );
  }
}
