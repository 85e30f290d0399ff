import type { WardenConfig } from '../config/schema';
import { APPROVAL_PAGE_ENTRY, APPROVAL_PAGE_NEEDS } from '../tasks/approval/lambda';
import { startOnboardingTask } from '../tasks/onboarding/start-onboarding';
import type { TaskNeeds } from '../tasks/shared/task';

/**
 * The functions and schedules that start or follow Warden's workflows from outside a state
 * machine. A task with the same id in a workflow's `tasks` wins (its entry and needs are used);
 * otherwise the entry below is bundled with the needs declared here (synth fails if that file does
 * not exist).
 */
export interface TriggeredTask {
  /** Task id; the function role is `WardenTask-<id>`. */
  readonly id: string;
  /** Entry file (absolute, or relative to the project root) exporting `handler`. */
  readonly entry: string;
  /** What it touches when it is not a workflow task declaring its own needs. */
  readonly needs: TaskNeeds;
  /** @default 60 seconds */
  readonly timeoutSeconds?: number;
}

/**
 * GuardDuty finding events → the response workflow. Recognises repeated deliveries before any
 * execution starts (findings table), so it also gets states:StartExecution on the response state
 * machine from the wiring.
 */
export const FINDING_INTAKE: TriggeredTask = {
  id: 'IntakeFinding',
  entry: 'tasks/response/intake.ts',
  needs: { tables: { findings: 'write' } },
};

/**
 * Control Tower lifecycle events → the onboarding workflow. The intake names the execution after
 * the event, so a repeated delivery starts nothing; the wiring adds states:StartExecution on the
 * onboarding state machine. Its entry and needs are declared next to its code
 * (`tasks/onboarding/start-onboarding.ts`).
 */
export const ONBOARDING_INTAKE: TriggeredTask = {
  id: startOnboardingTask.id,
  entry: startOnboardingTask.entry,
  needs: startOnboardingTask.needs ?? {},
};

/**
 * Execution status change events → the history archive. The wiring adds read access to Warden's
 * executions and write access to the archive bucket.
 */
export const EXECUTION_ARCHIVER: TriggeredTask = {
  id: 'ArchiveExecution',
  entry: 'tasks/audit/archive-execution.ts',
  needs: {},
  // A long history takes many GetExecutionHistory pages.
  timeoutSeconds: 300,
};

/**
 * The approval page behind API Gateway: GET shows, POST approve/reject decides once (conditional
 * write) and calls SendTaskSuccess / SendTaskFailure. Its entry and needs are declared next to its
 * code (`tasks/approval/lambda.ts`).
 */
export const APPROVAL_PAGE: TriggeredTask = {
  id: 'ApprovalPage',
  entry: APPROVAL_PAGE_ENTRY,
  needs: APPROVAL_PAGE_NEEDS,
};

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
