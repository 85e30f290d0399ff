import type { WardenConfig } from '../../config/schema';
import { publishFreeTrialEndingTask } from '../../tasks/free-trial/publish-free-trial-ending';
import { readFreeTrialDaysTask } from '../../tasks/free-trial/read-free-trial-days';
import { listAccountsTask } from '../../tasks/sweep/list-accounts';
import { type AslDefinition, lambdaTask } from '../asl';
import type { WorkflowModule } from '../index';

/**
 * The free-trial watch, on a schedule: reads every member's remaining GuardDuty free-trial days
 * in every region and sends one FREE_TRIAL_ENDING notification when any feature is below the
 * configured threshold, so that nobody is surprised by the first bill.
 */
export function buildFreeTrialDefinition(config: WardenConfig): AslDefinition {
  return {
    Comment: `Notifies when GuardDuty free-trial days fall below ${config.onboarding.freeTrialThresholdDays}`,
    StartAt: "List the organisation's accounts",
    States: {
      "List the organisation's accounts": lambdaTask({
        task: listAccountsTask.id,
        next: 'Read the free-trial days in each region',
      }),
      'Read the free-trial days in each region': {
        Type: 'Map',
        ItemsPath: '$.regions',
        ItemSelector: { 'region.$': '$$.Map.Item.Value', 'accounts.$': '$.accounts' },
        MaxConcurrency: config.onboarding.maxConcurrency,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'Read the remaining free-trial days',
          States: {
            'Read the remaining free-trial days': lambdaTask({ task: readFreeTrialDaysTask.id, end: true }),
          },
        },
        ResultPath: '$.regions',
        Next: 'Notify about free trials that are ending',
      },
      'Notify about free trials that are ending': lambdaTask({
        task: publishFreeTrialEndingTask.id,
        payload: { 'regions.$': '$.regions' },
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
  tasks: [listAccountsTask, readFreeTrialDaysTask, publishFreeTrialEndingTask],
};
