import type { WardenConfig } from '../config/schema';
import { recordOrganizationEventTask } from '../tasks/accounts/record-organization-event';
import { approvalPageFunction } from '../tasks/approval/lambda';
import { archiveExecutionTask } from '../tasks/audit/archive-execution';
import { startOnboardingTask } from '../tasks/onboarding/start-onboarding';
import { intakeFindingTask } from '../tasks/response/intake';
import type { FunctionManifest } from '../tasks/shared/task';

/**
 * The functions started from outside a state machine. Each one's trigger, environment and needs
 * are declared in its manifest next to its code; this list only tells the CDK app they exist.
 * - GuardDuty findings → the finding intake → the response workflow;
 * - Control Tower lifecycle events (forwarded by the management account) → the onboarding intake;
 * - Organizations account events (forwarded likewise) → the account list the scheduled jobs read;
 * - finished executions → the history archiver;
 * - the approval API → the approval page.
 */
export const TRIGGERED_FUNCTIONS: readonly FunctionManifest[] = [
  intakeFindingTask,
  startOnboardingTask,
  recordOrganizationEventTask,
  archiveExecutionTask,
  approvalPageFunction,
];

/** The workflows started on a schedule, by workflow name, with the config field that sets it. */
export const SCHEDULED_WORKFLOWS: ReadonlyArray<{
  workflow: string;
  /** Construct id of the schedule. */
  id: string;
  expression: (config: WardenConfig) => string;
}> = [
  { workflow: 'sweep', id: 'DriftSweepSchedule', expression: (c) => c.onboarding.sweepSchedule },
  { workflow: 'free-trial', id: 'FreeTrialWatchSchedule', expression: (c) => c.onboarding.freeTrialSchedule },
  { workflow: 'reconcile', id: 'ReconcileSchedule', expression: (c) => c.response.reconcileSchedule },
];

/**
 * The input of a scheduled execution. `<aws.scheduler.scheduled-time>` is filled in by EventBridge
 * Scheduler, so each execution says which tick started it.
 */
export const SCHEDULED_INPUT = { trigger: 'schedule', scheduledAt: '<aws.scheduler.scheduled-time>' };

/** The workflow names the event rules start. */
export const RESPONSE_WORKFLOW = 'response';
export const ONBOARDING_WORKFLOW = 'onboarding';
