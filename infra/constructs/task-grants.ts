import { Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { TABLE_SCHEMAS } from '../../tasks/shared/tables';
import type { TaskNeeds, WardenTables } from '../../tasks/shared/task';
import { type ArnContext, grantResources } from '../action-resources';
import { acknowledgeFindings, wildcardResourceFindings } from '../nag';
import { memberRoleArn } from '../names';
import { WiringError } from '../task-catalog';
import { guardDutyServiceLinkedRoleStatement } from './member-role';

/** What a task's needs are granted on. */
export interface TaskResources {
  readonly tables: Readonly<Record<keyof WardenTables, dynamodb.ITable>>;
  readonly topic: sns.ITopic;
  /** `config.organization.memberRoleName`. */
  readonly memberRoleName: string;
  /** `config.organization.organizationId`. */
  readonly organizationId: string;
  /** `config.organization.managementAccountId`: Organizations' ARNs carry it. */
  readonly managementAccountId: string;
  /** Regions Warden governs (GuardDuty detectors of the security account live in each). */
  readonly regions: readonly string[];
  /** Every Warden state machine, by deployed name and ARN. */
  readonly stateMachines: ReadonlyArray<{ name: string; arn: string }>;
  /** The history archive: the only objects a Warden task writes. */
  readonly archive?: { bucket: s3.IBucket; key: kms.IKey };
  /** The approval page's session key. */
  readonly secrets?: Partial<Record<'approvalSession', secretsmanager.ISecret>>;
}

export const TASK_CALLBACK_ACTIONS = [
  'states:SendTaskSuccess',
  'states:SendTaskFailure',
  'states:SendTaskHeartbeat',
];

/**
 * How the Service Authorization Reference's ARN patterns are filled in for the security account:
 * Warden's regions, and Warden's own resources where an action acts on them by name.
 */
export function securityAccountArns(stack: Stack, resources: TaskResources): ArnContext {
  const { partition, account } = stack;
  return {
    partition,
    account,
    regions: resources.regions,
    known: {
      'states:stateMachine': resources.stateMachines.map((m) => m.arn),
      'states:execution': resources.stateMachines.map(
        (m) => `arn:${partition}:states:${stack.region}:${account}:execution:${m.name}:*`,
      ),
      // Warden's state machines are STANDARD: they have no express executions.
      'states:express': [],
      'organizations:account': [
        `arn:${partition}:organizations::${resources.managementAccountId}:account/${resources.organizationId}/*`,
      ],
      'account:account': [`arn:${partition}:account::${account}:account`],
      'account:accountInOrganization': [
        `arn:${partition}:account::${resources.managementAccountId}:account/${resources.organizationId}/*`,
      ],
    },
  };
}

/**
 * What CDK's grantReadData and grantReadWriteData allow on a table and its indexes, less the
 * DynamoDB Streams reads (`dynamodb:GetRecords`, `GetShardIterator`) they add on the table's ARN:
 * those act on a stream ARN, so on a table they allow nothing, and no task reads a stream.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
 */
const TABLE_READ_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:GetItem',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];
const TABLE_WRITE_ACTIONS = [
  'dynamodb:BatchWriteItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];

/**
 * Grants a task's role exactly what its needs declare, and nothing else:
 * - tables: the item reads (and, for write, the item writes) on that table and its indexes only;
 * - publish: sns:Publish on Warden's topic (plus the topic key's GenerateDataKey/Decrypt);
 * - assumeMemberRole: sts:AssumeRole on the member role name in accounts of the organisation;
 * - taskCallbacks: states:SendTask* (no resource-level permissions: on `*`);
 * - writeArchive: s3:PutObject on the archive's objects, with its key;
 * - secrets: read access to that secret only;
 * - actions: each action on the resource types the Service Authorization Reference lists for it,
 *   in the security account (or `*` where it lists none).
 */
export function grantNeeds(role: iam.Role, taskId: string, needs: TaskNeeds, resources: TaskResources): void {
  const stack = Stack.of(role);
  for (const [name, access] of Object.entries(needs.tables ?? {}) as [
    keyof WardenTables,
    'read' | 'write',
  ][]) {
    const table = resources.tables[name];
    if (!table) throw new WiringError(`task ${taskId} needs an unknown table ${name}`);
    table.grant(
      role,
      ...(access === 'read' ? TABLE_READ_ACTIONS : [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS]),
    );
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
    const memberRole = memberRoleArn(stack.partition, '*', resources.memberRoleName);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeWardenMemberRole',
        actions: ['sts:AssumeRole'],
        resources: [memberRole],
        conditions: { StringEquals: { 'aws:ResourceOrgID': resources.organizationId } },
      }),
    );
    acknowledgeFindings(
      role,
      'IAM5',
      wildcardResourceFindings(role, [memberRole]),
      'Warden acts in every member account, including accounts created after deployment, so the ' +
        'account is a wildcard; the role name is fixed, aws:ResourceOrgID limits it to the organisation, ' +
        'and the member role trusts only the task roles that need it.',
    );
  }

  if (needs.taskCallbacks) {
    // The Service Authorization Reference lists no resource type for SendTaskSuccess, -Failure
    // and -Heartbeat: the task token names the execution, so only `*` allows them.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AnswerWardenCallbackTasks',
        actions: TASK_CALLBACK_ACTIONS,
        resources: ['*'],
      }),
    );
    acknowledgeFindings(
      role,
      'IAM5',
      ['Resource::*'],
      'states:SendTask* support no resource-level permissions (the task token identifies the execution).',
    );
  }

  if (needs.writeArchive) {
    const archive = resources.archive;
    if (!archive) throw new WiringError(`task ${taskId} writes the archive, but this stack has none`);
    const objects = archive.bucket.arnForObjects('*');
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteArchivedHistories',
        actions: ['s3:PutObject'],
        resources: [objects],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptArchivedHistories',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [archive.key.keyArn],
      }),
    );
    acknowledgeFindings(
      role,
      'IAM5',
      wildcardResourceFindings(role, [objects]),
      'The archiver writes one object per execution under the archive bucket, named at run time.',
    );
  }

  for (const [name, access] of Object.entries(needs.secrets ?? {}) as ['approvalSession', 'read'][]) {
    const secret = resources.secrets?.[name];
    if (!secret) throw new WiringError(`task ${taskId} needs an unknown secret ${name}`);
    if (access === 'read') secret.grantRead(role);
  }

  const context = securityAccountArns(stack, resources);
  const byResources = new Map<string, { resources: string[]; actions: string[] }>();
  for (const action of needs.actions ?? []) {
    if (!/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(action)) {
      throw new WiringError(
        `task ${taskId} asks for "${action}"; name each action exactly, without wildcards`,
      );
    }
    if (action === 'iam:CreateServiceLinkedRole') {
      const statement = guardDutyServiceLinkedRoleStatement();
      role.addToPrincipalPolicy(statement);
      acknowledgeFindings(
        role,
        'IAM5',
        wildcardResourceFindings(role, statement.resources),
        "GuardDuty's service-linked roles live under its own path and are named by GuardDuty; " +
          'iam:AWSServiceName limits the grant to GuardDuty.',
      );
      continue;
    }
    const scoped = grantResources(action, context);
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
        ? `The Service Authorization Reference lists no resource type for ${group.actions.join(', ')}, ` +
            'so only * allows them; granted in the security account only.'
        : `${group.actions.join(', ')} act on resources created at run time (detectors, executions); ` +
            'the ARN fixes the service, account and, where possible, the parent resource.',
    );
  }
}
