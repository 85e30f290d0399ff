import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { WardenConfig } from '../../config/schema';
import type { FunctionTrigger } from '../../tasks/shared/task';
import { WORKFLOWS, type WorkflowModule } from '../../workflows/index';
import { ApprovalApi } from '../constructs/approval-api';
import { AccessLogBucket, FindingsExport, HistoryArchive } from '../constructs/buckets';
import { LogEncryptionKey } from '../constructs/log-encryption-key';
import { NotificationTopic } from '../constructs/notification-topic';
import { WardenTableSet } from '../constructs/tables';
import { TaskFunction } from '../constructs/task-function';
import type { TaskResources } from '../constructs/task-grants';
import { WorkflowStateMachine } from '../constructs/workflow-state-machine';
import { requireOrganizationId } from '../deploy-requirements';
import {
  controlTowerLifecyclePattern,
  executionFinishedPattern,
  guardDutyFindingPattern,
  organizationsAccountPattern,
} from '../event-patterns';
import { acknowledgeRule } from '../nag';
import { defaultEventBusArn, stateMachineArn } from '../names';
import { OUTPUTS } from '../outputs';
import { type DeployedTask, deployedFunctions, WiringError } from '../task-catalog';
import {
  ONBOARDING_WORKFLOW,
  RESPONSE_WORKFLOW,
  SCHEDULED_INPUT,
  SCHEDULED_WORKFLOWS,
  TRIGGERED_FUNCTIONS,
} from '../triggers';

export interface SecurityStackProps extends StackProps {
  readonly config: WardenConfig;
  /** The workflows to deploy, one state machine each. @default WORKFLOWS */
  readonly workflows?: readonly WorkflowModule[];
  /** Days the access log bucket keeps S3 server access logs. @default 365 */
  readonly accessLogRetentionDays?: number;
}

/** A deployed workflow: its module, state machine and (computed) ARN. */
interface DeployedWorkflow {
  module: WorkflowModule;
  arn: string;
  stateMachine?: sfn.StateMachine;
}

/**
 * The security account (GuardDuty administrator), home region: everything Warden runs.
 * - tables, notification topic, the approval API;
 * - one Lambda function per task, each granted exactly its needs;
 * - one STANDARD state machine per workflow;
 * - intake: GuardDuty findings → finding intake; Control Tower events (forwarded by the management
 *   account) → onboarding intake → onboarding; schedules → sweep, free-trial watch, reconcile;
 * - audit: finished executions → history archiver → encrypted archive bucket;
 * - the GuardDuty findings export bucket and key (onboarding creates the publishing destinations).
 */
export class SecurityStack extends Stack {
  readonly functions = new Map<string, TaskFunction>();
  readonly stateMachines = new Map<string, sfn.StateMachine>();
  readonly tables: WardenTableSet;
  readonly notifications: NotificationTopic;
  readonly approvalApi: ApprovalApi;
  readonly archive: HistoryArchive;
  readonly findingsExport: FindingsExport;

  constructor(scope: Construct, id: string, props: SecurityStackProps) {
    super(scope, id, {
      description: 'Warden security account: state machines, tasks, tables, approval API, topic, archive',
      ...props,
    });
    const { config } = props;
    const workflows = props.workflows ?? WORKFLOWS;
    const deployed = this.planWorkflows(workflows);

    const logs = new LogEncryptionKey(this, 'LogEncryption');
    this.tables = new WardenTableSet(this, 'Tables');
    this.notifications = new NotificationTopic(this, 'Notifications');
    const accessLogs = new AccessLogBucket(this, 'AccessLogs', {
      retentionDays: props.accessLogRetentionDays ?? 365,
    });
    this.archive = new HistoryArchive(this, 'HistoryArchive', {
      retentionDays: config.audit.archiveRetentionDays,
      objectLock: config.audit.objectLock,
      accessLogs: accessLogs.bucket,
    });
    this.findingsExport = new FindingsExport(this, 'FindingsExport', {
      regions: config.organization.regions,
      retentionDays: config.audit.archiveRetentionDays,
      accessLogs: accessLogs.bucket,
    });
    this.approvalApi = new ApprovalApi(this, 'ApprovalApi', { config, logs });

    // Functions: every workflow task, plus the ones events and the API start, each from its
    // manifest: the variables it declares, the grants its needs name.
    const exportDestination = findingsExportDestination(config, this.findingsExport);
    const variables: Record<string, string> = {
      LEDGER_TABLE: this.tables.tables.ledger.tableName,
      APPROVALS_TABLE: this.tables.tables.approvals.tableName,
      FINDINGS_TABLE: this.tables.tables.findings.tableName,
      ACCOUNTS_TABLE: this.tables.tables.accounts.tableName,
      TOPIC_ARN: this.notifications.topic.topicArn,
      APPROVAL_BASE_URL: this.approvalApi.baseUrl,
      STATE_MACHINE_ARNS: JSON.stringify(
        Object.fromEntries([...deployed.values()].map((w) => [w.module.name, w.arn])),
      ),
      FINDINGS_BUCKET_ARN: exportDestination.bucketArn,
      FINDINGS_KMS_KEY_ARN: exportDestination.kmsKeyArn,
      ARCHIVE_BUCKET: this.archive.bucket.bucketName,
      ARCHIVE_KMS_KEY_ARN: this.archive.key.keyArn,
      ...this.approvalApi.signInVariables(),
    };
    const resources: TaskResources = {
      tables: this.tables.tables,
      topic: this.notifications.topic,
      memberRoleName: config.organization.memberRoleName,
      organizationId: requireOrganizationId(config),
      managementAccountId: config.organization.managementAccountId,
      regions: config.organization.regions,
      stateMachines: [...deployed.values()].map((w) => ({ name: w.module.stateMachineName, arn: w.arn })),
      archive: { bucket: this.archive.bucket, key: this.archive.key },
      secrets: { approvalSession: this.approvalApi.sessionSecret },
    };
    const tasksScope = new Construct(this, 'Tasks');
    const byTrigger = new Map<string, TaskFunction>();
    for (const task of deployedFunctions(workflows, TRIGGERED_FUNCTIONS).values()) {
      // Without an onboarding workflow the onboarding intake would have nothing to start.
      if (isEvent(task, 'control-tower-lifecycle') && !deployed.has(ONBOARDING_WORKFLOW)) continue;
      const fn = new TaskFunction(tasksScope, task.id, { task, config, variables, resources, logs });
      this.functions.set(task.id, fn);
      if (task.trigger.kind !== 'workflow') {
        const key = triggerKey(task.trigger);
        const other = byTrigger.get(key);
        if (other) throw new WiringError(`${task.id} and ${other.node.id} both declare the trigger ${key}`);
        byTrigger.set(key, fn);
      }
    }
    const triggered = (key: string): TaskFunction => {
      const fn = byTrigger.get(key);
      if (!fn) throw new WiringError(`no function declares the trigger ${key}`);
      return fn;
    };
    this.approvalApi.routeTo(triggered('http:approval'));

    // State machines.
    const functionsById = new Map<string, lambda.IFunction>(
      [...this.functions].map(([taskId, fn]) => [taskId, fn.function]),
    );
    const machinesScope = new Construct(this, 'Workflows');
    for (const workflow of deployed.values()) {
      const machine = new WorkflowStateMachine(machinesScope, workflow.module.name, {
        workflow: workflow.module,
        config,
        functions: functionsById,
        logs,
      });
      workflow.stateMachine = machine.stateMachine;
      this.stateMachines.set(workflow.module.name, machine.stateMachine);
    }

    this.wireFindingIntake(triggered('event:guardduty-findings'), deployed.get(RESPONSE_WORKFLOW));
    this.wireOnboarding(config, byTrigger.get('event:control-tower-lifecycle'));
    const accountList = byTrigger.get('event:organizations-accounts');
    if (accountList) this.wireAccountList(config, accountList);
    this.wireSchedules(config, deployed);
    this.wireArchive(triggered('event:executions-finished'), [...deployed.values()]);

    new CfnOutput(this, OUTPUTS.approvalBaseUrl, { value: this.approvalApi.baseUrl });
    new CfnOutput(this, 'ApprovalSignInCallbackUrl', {
      description: "The approval page's OpenID Connect redirect URI (register it at an external issuer)",
      value: this.approvalApi.callbackUrl,
    });
    new CfnOutput(this, OUTPUTS.topicArn, { value: this.notifications.topic.topicArn });
    new CfnOutput(this, 'FindingsBucketArn', { value: this.findingsExport.bucket.bucketArn });
    new CfnOutput(this, 'FindingsKmsKeyArn', { value: this.findingsExport.key.keyArn });
    new CfnOutput(this, OUTPUTS.historyArchiveBucket, { value: this.archive.bucket.bucketName });
    // What `warden onboard`, `sweep`, `audit`, `findings` and `approvals --region` act on.
    for (const [workflow, machine] of this.stateMachines) {
      new CfnOutput(this, OUTPUTS.stateMachineArn(workflow), {
        description: `The ${workflow} workflow's state machine`,
        value: machine.stateMachineArn,
      });
    }
    for (const [table, resource] of Object.entries(this.tables.tables)) {
      new CfnOutput(this, OUTPUTS.tableName(table as keyof typeof this.tables.tables), {
        value: resource.tableName,
      });
    }
    if (this.approvalApi.userPool) {
      new CfnOutput(this, 'ApproverUserPoolId', { value: this.approvalApi.userPool.userPoolId });
    }
  }

  /** Names and ARNs of the state machines, known before they are created (see `stateMachineArn`). */
  private planWorkflows(workflows: readonly WorkflowModule[]): Map<string, DeployedWorkflow> {
    const out = new Map<string, DeployedWorkflow>();
    const machineNames = new Set<string>();
    for (const module of workflows) {
      if (out.has(module.name)) throw new WiringError(`two workflows are named ${module.name}`);
      if (machineNames.has(module.stateMachineName)) {
        throw new WiringError(`two workflows use the state machine name ${module.stateMachineName}`);
      }
      machineNames.add(module.stateMachineName);
      out.set(module.name, { module, arn: stateMachineArn(this, module.stateMachineName) });
    }
    return out;
  }

  /**
   * Every GuardDuty finding of the organisation (this region's, and the other regions' through the
   * forwarding stacks) → the intake, which filters repeated deliveries before starting the
   * response. Events that the intake could not take after retries land in a queue for replay.
   */
  private wireFindingIntake(intake: TaskFunction, response: DeployedWorkflow | undefined): void {
    const deadLetters = new sqs.Queue(this, 'FindingIntakeDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeRule(deadLetters, 'SQS3', 'This queue is the dead-letter queue of the finding intake rule.');
    new events.Rule(this, 'GuardDutyFindings', {
      description: 'Warden: GuardDuty findings to the finding intake',
      eventPattern: guardDutyFindingPattern(),
      targets: [
        new targets.LambdaFunction(intake.function, {
          deadLetterQueue: deadLetters,
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });
    if (!response) {
      Annotations.of(this).addWarningV2(
        'warden:no-response-workflow',
        `no workflow named ${RESPONSE_WORKFLOW}: the finding intake has no state machine to start`,
      );
    }
  }

  /**
   * Control Tower lifecycle events, forwarded by the management account → the onboarding intake,
   * which starts the onboarding workflow under a name derived from the event, so a duplicate
   * delivery starts no second execution. The bus admits the management account's events, and only
   * Control Tower's.
   */
  private wireOnboarding(config: WardenConfig, intake: TaskFunction | undefined): void {
    const { organization } = config;
    // The L1 resource: the L2 EventBusPolicy of this CDK version cannot render a principal.
    new events.CfnEventBusPolicy(this, 'AdmitManagementAccountEvents', {
      eventBusName: 'default',
      statementId: 'WardenControlTowerFromManagementAccount',
      statement: {
        Sid: 'WardenControlTowerFromManagementAccount',
        Effect: 'Allow',
        Principal: { AWS: `arn:${this.partition}:iam::${organization.managementAccountId}:root` },
        Action: 'events:PutEvents',
        Resource: defaultEventBusArn(this.partition, organization.securityAccountId, organization.homeRegion),
        // `events:source` is multivalued (ArrayOfString in the Service Authorization Reference), so
        // it takes a set operator, as EventBridge's own example policy does; a plain StringEquals
        // never matches and the bus would refuse every forwarded event.
        // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-example-policy-cross-account-custom-bus-source.html
        Condition: {
          'ForAllValues:StringEquals': { 'events:source': ['aws.controltower', 'aws.organizations'] },
        },
      },
    });
    if (!intake) {
      Annotations.of(this).addWarningV2(
        'warden:no-onboarding-workflow',
        `no workflow named ${ONBOARDING_WORKFLOW}: Control Tower events are admitted but start nothing`,
      );
      return;
    }
    // The intake's own needs grant states:StartExecution on Warden's state machines.
    new events.Rule(this, 'ControlTowerLifecycle', {
      description: 'Warden: Control Tower account lifecycle events to the onboarding intake',
      eventPattern: controlTowerLifecyclePattern(organization.managementAccountId),
      targets: [new targets.LambdaFunction(intake.function, { retryAttempts: 8 })],
    });
  }

  /**
   * Organizations account events, forwarded by the management stack (the policy above admits
   * them) → the intake that keeps the account list the scheduled jobs read.
   */
  private wireAccountList(config: WardenConfig, intake: TaskFunction): void {
    new events.Rule(this, 'OrganizationsAccountEvents', {
      description: 'Warden: Organizations account events to the account list',
      eventPattern: organizationsAccountPattern(config.organization.managementAccountId),
      targets: [new targets.LambdaFunction(intake.function, { retryAttempts: 8 })],
    });
  }

  /** The scheduled workflows, on the schedules from the config (EventBridge Scheduler, UTC). */
  private wireSchedules(config: WardenConfig, deployed: ReadonlyMap<string, DeployedWorkflow>): void {
    for (const scheduled of SCHEDULED_WORKFLOWS) {
      const workflow = deployed.get(scheduled.workflow);
      if (!workflow?.stateMachine) continue;
      new scheduler.Schedule(this, scheduled.id, {
        description: `Warden: starts the ${scheduled.workflow} workflow`,
        schedule: scheduler.ScheduleExpression.expression(scheduled.expression(config)),
        target: new schedulerTargets.StepFunctionsStartExecution(workflow.stateMachine, {
          input: scheduler.ScheduleTargetInput.fromObject(SCHEDULED_INPUT),
          retryAttempts: 3,
        }),
      });
    }
  }

  /**
   * Finished executions of Warden's state machines → the archiver, which reads the full history
   * and writes it to the archive bucket.
   */
  private wireArchive(archiver: TaskFunction, workflows: DeployedWorkflow[]): void {
    if (workflows.length === 0) {
      Annotations.of(this).addWarningV2('warden:no-workflows', 'no workflows: nothing to archive');
      return;
    }
    new events.Rule(this, 'ExecutionsFinished', {
      description: "Warden: finished executions of Warden's state machines to the history archiver",
      eventPattern: executionFinishedPattern(workflows.map((w) => w.arn)),
      targets: [new targets.LambdaFunction(archiver.function, { retryAttempts: 8 })],
    });
  }
}

/** `event:guardduty-findings`, `http:approval`: one function per trigger. */
function triggerKey(trigger: FunctionTrigger): string {
  if (trigger.kind === 'event') return `event:${trigger.events}`;
  if (trigger.kind === 'http') return `http:${trigger.api}`;
  return 'workflow';
}

function isEvent(task: DeployedTask, events: string): boolean {
  return task.trigger.kind === 'event' && task.trigger.events === events;
}

/**
 * Where the administrator's detectors export findings: the configured bucket and key, or the
 * stack's own (which `FindingsExport` creates with the policies GuardDuty needs).
 */
function findingsExportDestination(
  config: WardenConfig,
  stackExport: FindingsExport,
): { bucketArn: string; kmsKeyArn: string } {
  return {
    bucketArn: config.onboarding.findingsBucketArn ?? stackExport.bucket.bucketArn,
    kmsKeyArn: config.onboarding.findingsKmsKeyArn ?? stackExport.key.keyArn,
  };
}
