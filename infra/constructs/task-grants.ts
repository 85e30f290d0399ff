import { Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { TABLE_SCHEMAS } from '../../tasks/shared/tables';
import type { TaskNeeds, WardenTables } from '../../tasks/shared/task';
import { acknowledgeFindings, wildcardResourceFindings } from '../nag';
import { WiringError } from '../task-catalog';

/** What a task's needs are granted on. */
export interface TaskResources {
  readonly tables: Readonly<Record<keyof WardenTables, dynamodb.ITable>>;
  readonly topic: sns.ITopic;
  /** `config.organization.memberRoleName`. */
  readonly memberRoleName: string;
  /** `config.organization.organizationId`, when known. */
  readonly organizationId?: string;
  /** Regions Warden governs (GuardDuty detectors of the security account live in each). */
  readonly regions: readonly string[];
  /** Every Warden state machine, by deployed name and ARN. */
  readonly stateMachines: ReadonlyArray<{ name: string; arn: string }>;
  /** Objects of the history archive bucket: the only objects a Warden task writes. */
  readonly archiveObjects?: string;
}

export const TASK_CALLBACK_ACTIONS = [
  'states:SendTaskSuccess',
  'states:SendTaskFailure',
  'states:SendTaskHeartbeat',
];

/**
 * GuardDuty actions that act on a detector (or something under it: members, publishing
 * destinations, findings); Warden scopes them to the security account's detectors in its regions.
 * Actions not listed here (CreateDetector, ListDetectors, ListInvitations, the organisation admin
 * actions) have no resource type and are granted on `*`.
 */
const GUARDDUTY_DETECTOR_ACTIONS = new Set(
  [
    'AcceptAdministratorInvitation',
    'CreateMembers',
    'CreatePublishingDestination',
    'CreateSampleFindings',
    'DeleteMembers',
    'DescribeOrganizationConfiguration',
    'DescribePublishingDestination',
    'DisassociateMembers',
    'GetAdministratorAccount',
    'GetDetector',
    'GetFindings',
    'GetFindingsStatistics',
    'GetMemberDetectors',
    'GetMembers',
    'GetRemainingFreeTrialDays',
    'InviteMembers',
    'ListFindings',
    'ListMembers',
    'ListPublishingDestinations',
    'UpdateDetector',
    'UpdateMemberDetectors',
    'UpdateOrganizationConfiguration',
  ].map((a) => `guardduty:${a}`),
);

/** Step Functions actions on a state machine, and on its executions. */
const STATE_MACHINE_ACTIONS = new Set([
  'states:StartExecution',
  'states:ListExecutions',
  'states:DescribeStateMachine',
]);
const EXECUTION_ACTIONS = new Set([
  'states:DescribeExecution',
  'states:GetExecutionHistory',
  'states:StopExecution',
]);

/** The resources an action from `needs.actions` is granted on, in the security account. */
function resourcesFor(stack: Stack, action: string, resources: TaskResources): string[] {
  if (GUARDDUTY_DETECTOR_ACTIONS.has(action)) {
    return resources.regions.map((r) => `arn:${stack.partition}:guardduty:${r}:${stack.account}:detector/*`);
  }
  if (action === 's3:PutObject' && resources.archiveObjects) return [resources.archiveObjects];
  if (STATE_MACHINE_ACTIONS.has(action)) return resources.stateMachines.map((m) => m.arn);
  if (EXECUTION_ACTIONS.has(action)) {
    return resources.stateMachines.map(
      (m) => `arn:${stack.partition}:states:${stack.region}:${stack.account}:execution:${m.name}:*`,
    );
  }
  return ['*'];
}

/**
 * Grants a task's role exactly what its needs declare, and nothing else:
 * - tables: read → grantReadData, write → grantReadWriteData, on that table only;
 * - publish: sns:Publish on Warden's topic (plus the topic key's GenerateDataKey/Decrypt);
 * - assumeMemberRole: sts:AssumeRole on the member role name in any account (of the organisation
 *   when its id is configured);
 * - taskCallbacks: states:SendTask* on Warden's state machines;
 * - actions: each action, scoped to the security account's resources where the service allows.
 */
export function grantNeeds(role: iam.Role, taskId: string, needs: TaskNeeds, resources: TaskResources): void {
  const stack = Stack.of(role);
  for (const [name, access] of Object.entries(needs.tables ?? {}) as [
    keyof WardenTables,
    'read' | 'write',
  ][]) {
    const table = resources.tables[name];
    if (!table) throw new WiringError(`task ${taskId} needs an unknown table ${name}`);
    if (access === 'read') table.grantReadData(role);
    else table.grantReadWriteData(role);
    if (TABLE_SCHEMAS[name].indexes?.length) {
      acknowledgeFindings(
        role,
        'IAM5',
        wildcardResourceFindings(role, [`${table.tableArn}/index/*`]),
        `The ${name} table's indexes (${TABLE_SCHEMAS[name].indexes!.map((i) => i.name).join(', ')}) ` +
          'are granted as CDK grants them, on that table only.',
      );
    }
  }

  if (needs.publish) {
    resources.topic.grantPublish(role);
    acknowledgeFindings(
      role,
      'IAM5',
      ['Action::kms:GenerateDataKey*'],
      'Publishing to a KMS-encrypted topic needs kms:GenerateDataKey* (GenerateDataKey and ' +
        'GenerateDataKeyWithoutPlaintext), granted on the topic key only.',
    );
  }

  if (needs.assumeMemberRole) {
    const memberRole = `arn:${stack.partition}:iam::*:role/${resources.memberRoleName}`;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeWardenMemberRole',
        actions: ['sts:AssumeRole'],
        resources: [memberRole],
        ...(resources.organizationId
          ? { conditions: { StringEquals: { 'aws:ResourceOrgID': resources.organizationId } } }
          : {}),
      }),
    );
    acknowledgeFindings(
      role,
      'IAM5',
      wildcardResourceFindings(role, [memberRole]),
      'Warden acts in every member account, including accounts created after deployment, so the ' +
        'account is a wildcard; the role name is fixed, the member role trusts only WardenTask-* roles ' +
        'of the security account, and aws:ResourceOrgID limits it to the organisation when configured.',
    );
  }

  // Without state machines there is nothing to call back or start: no statement, rather than an
  // invalid one without resources.
  if (needs.taskCallbacks && resources.stateMachines.length > 0) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AnswerWardenCallbackTasks',
        actions: TASK_CALLBACK_ACTIONS,
        resources: resources.stateMachines.map((m) => m.arn),
      }),
    );
  }

  const byResources = new Map<string, { resources: string[]; actions: string[] }>();
  for (const action of needs.actions ?? []) {
    if (!/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(action)) {
      throw new WiringError(
        `task ${taskId} asks for "${action}"; name each action exactly, without wildcards`,
      );
    }
    const scoped = resourcesFor(stack, action, resources);
    if (scoped.length === 0) continue;
    const key = scoped.join(',');
    const group = byResources.get(key) ?? { resources: scoped, actions: [] };
    group.actions.push(action);
    byResources.set(key, group);
  }
  for (const group of byResources.values()) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: group.actions, resources: group.resources }),
    );
    acknowledgeFindings(
      role,
      'IAM5',
      wildcardResourceFindings(role, group.resources),
      group.resources[0] === '*'
        ? `${group.actions.join(', ')} support no resource-level permissions (or Warden's scoping table ` +
            'does not know them), so they are granted on * in the security account only.'
        : `${group.actions.join(', ')} act on resources created at run time (detectors, executions); ` +
            'the ARN fixes the service, account and, where possible, the parent resource.',
    );
  }
}
