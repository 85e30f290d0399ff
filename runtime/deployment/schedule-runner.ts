import { randomBytes } from 'node:crypto';
import type { SandboxCloud } from '../sandbox/cloud';
import { warmUpIamEvaluation } from '../sandbox/iam-enforcement';
import { ScheduleInvocationError } from './errors';
import type { DeployedSchedule } from './stack-model';

/**
 * EventBridge Scheduler's side of a schedule whose target is a state machine: when the schedule
 * fires, Scheduler assumes the schedule's execution role (its trust policy must admit
 * `scheduler.amazonaws.com`) and calls StartExecution with it, so the role's identity policies
 * must allow `states:StartExecution` on the state machine.
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role
 *
 * The target's input has its context attributes replaced first (`<aws.scheduler.schedule-arn>`,
 * `<aws.scheduler.scheduled-time>` as `2022-03-22T18:59:43Z`, `<aws.scheduler.execution-id>`,
 * `<aws.scheduler.attempt-number>`).
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html
 *
 * The StartExecution goes through the sandbox cloud like any other call, so the enforcement
 * evaluates the role and the IAM coverage records the statement that allowed it.
 */
export const SCHEDULER_SERVICE_PRINCIPAL = 'scheduler.amazonaws.com';

export async function fireSchedule(
  cloud: SandboxCloud,
  schedule: DeployedSchedule,
  scheduledAt: Date,
): Promise<{ executionArn: string; startDate: string }> {
  const [, , , region, account] = schedule.arn.split(':') as string[];
  const role = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(schedule.roleArn);
  if (!role || !region || !account) {
    throw new ScheduleInvocationError(
      `schedule ${schedule.scheduleName}: roleArn '${schedule.roleArn}' is not a role ARN`,
    );
  }
  await warmUpIamEvaluation();
  // Scheduler assumes the role on behalf of the schedule's account and its schedule group: the
  // confused-deputy keys are aws:SourceAccount and aws:SourceArn, the group's ARN (same page).
  const trust = await cloud.iam.decideForService({
    servicePrincipal: SCHEDULER_SERVICE_PRINCIPAL,
    action: 'sts:AssumeRole',
    resource: schedule.roleArn,
    sourceAccount: account,
    sourceArn: schedule.groupArn,
  });
  if (!trust.allowed) {
    throw new ScheduleInvocationError(
      `schedule ${schedule.scheduleName}: ${SCHEDULER_SERVICE_PRINCIPAL} is not authorized to assume ${schedule.roleArn}`,
    );
  }
  const executionId = randomBytes(8).toString('hex');
  const principal = {
    account: role[1]!,
    roleName: role[2]!,
    arn: `arn:aws:sts::${role[1]}:assumed-role/${role[2]}/${executionId}`,
  };
  const input = replaceContextAttributes(schedule.input ?? '{}', {
    'schedule-arn': schedule.arn,
    'scheduled-time': scheduledAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'execution-id': executionId,
    'attempt-number': '1',
  });
  try {
    const out = (await cloud.call(
      'sfn',
      'StartExecution',
      { stateMachineArn: schedule.targetArn, input },
      principal,
      region,
    )) as { executionArn: string; startDate: Date | string };
    return { executionArn: out.executionArn, startDate: new Date(out.startDate).toISOString() };
  } catch (error) {
    throw new ScheduleInvocationError(
      `schedule ${schedule.scheduleName} could not start ${schedule.targetArn}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

function replaceContextAttributes(input: string, values: Readonly<Record<string, string>>): string {
  return input.replace(/<aws\.scheduler\.([a-z-]+)>/g, (keyword, name: string) => values[name] ?? keyword);
}
