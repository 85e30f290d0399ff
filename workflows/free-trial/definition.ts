import type { WardenConfig } from '../../config/schema';
import { publishFreeTrialEndingTask } from '../../tasks/free-trial/publish-free-trial-ending';
import { readFreeTrialDaysTask } from '../../tasks/free-trial/read-free-trial-days';
import { planBatchesTask } from '../../tasks/sweep/plan-batches';
import { accountBatchStates } from '../account-batches';
import { type AslDefinition, lambdaTask } from '../asl';
import type { WorkflowModule } from '../index';

/**
 * The free-trial watch, on a schedule: reads every member's remaining GuardDuty free-trial days
 * in every region, batch by batch (batches as the sweep's), and sends one FREE_TRIAL_ENDING
 * notification when any feature is below the configured threshold, so that nobody is surprised
 * by the first bill. Batches carry counts and the few soonest trials, not every account.
 */
export function buildFreeTrialDefinition(config: WardenConfig): AslDefinition {
  return {
    Comment: `Notifies when GuardDuty free-trial days fall below ${config.onboarding.freeTrialThresholdDays}`,
    StartAt: 'Plan the batches of accounts',
    States: {
      ...accountBatchStates({
        mapState: 'Read the free-trial days of each batch',
        batchState: 'Read the remaining free-trial days',
        batchTask: readFreeTrialDaysTask.id,
        next: 'Notify about free trials that are ending',
      }),
      'Notify about free trials that are ending': lambdaTask({
        task: publishFreeTrialEndingTask.id,
        payload: { 'batches.$': '$.batches' },
        resultPath: '$.notification',
        end: true,
      }),
    },
  };
}

export const freeTrialWorkflow: WorkflowModule = {
  name: 'free-trial',
  stateMachineName: 'warden-free-trial',
  description: 'Notifies when GuardDuty free-trial days of any account fall below the threshold',
  build: buildFreeTrialDefinition,
  tasks: [planBatchesTask, readFreeTrialDaysTask, publishFreeTrialEndingTask],
};
