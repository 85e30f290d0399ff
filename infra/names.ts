import * as path from 'node:path';
import { ArnFormat, type Stack } from 'aws-cdk-lib';
import type { WardenConfig } from '../config/schema';

/**
 * Names that more than one stack (or the member accounts) must agree on. They are computed, not
 * looked up, so that every stack synthesizes offline and the member role's trust policy can name
 * Warden's function roles before they exist.
 */

/** The project root: task entries and the lock file are found relative to it. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/**
 * Every Lambda function role of Warden is named `WardenTask-<TaskId>`, so the member role's trust
 * policy can name exactly the task roles that assume it (tasks whose needs say
 * `assumeMemberRole`) before they exist.
 */
export const TASK_ROLE_PREFIX = 'WardenTask-';

/** IAM role names are at most 64 characters; task ids are PascalCase and short. */
export function taskRoleName(taskId: string): string {
  const name = `${TASK_ROLE_PREFIX}${taskId}`;
  if (name.length > 64) {
    throw new Error(`task id ${taskId} is too long for an IAM role name (${name.length} > 64 characters)`);
  }
  return name;
}

/** `arn:<partition>:iam::<security>:role/WardenTask-<id>`: a task's role, known before it exists. */
export function taskRoleArn(partition: string, config: WardenConfig, taskId: string): string {
  return `arn:${partition}:iam::${config.organization.securityAccountId}:role/${taskRoleName(taskId)}`;
}

/** The member role in an account (`*` for any). */
export function memberRoleArn(partition: string, account: string, roleName: string): string {
  return `arn:${partition}:iam::${account}:role/${roleName}`;
}

/**
 * A state machine's ARN from its name. Functions need the ARNs of the state machines that in
 * turn invoke them; formatting the ARN instead of referencing the resource avoids that cycle.
 */
export function stateMachineArn(stack: Stack, stateMachineName: string): string {
  return stack.formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: stateMachineName,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** Every execution of a state machine: `arn:aws:states:<region>:<account>:execution:<name>:*`. */
export function executionArns(stack: Stack, stateMachineName: string): string {
  return stack.formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: `${stateMachineName}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** The default event bus of an account and region. */
export function defaultEventBusArn(partition: string, account: string, region: string): string {
  return `arn:${partition}:events:${region}:${account}:event-bus/default`;
}

/** Stack names, one per account role. */
export const STACK_NAMES = {
  security: 'WardenSecurity',
  management: 'WardenManagement',
  /** The management account in us-east-1, when the Control Tower home region is another. */
  organizationsEvents: 'WardenOrganizationsEvents',
  forwarding: (region: string) => `WardenForwarding-${region}`,
  memberRole: 'WardenMemberRole',
} as const;

/** The StackSet that deploys the member role to every member account. */
export const MEMBER_ROLE_STACK_SET_NAME = 'warden-member-role';
