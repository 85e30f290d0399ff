import type { WardenConfig } from '../../config/schema';
import { findDriftTask } from '../../tasks/sweep/find-drift';
import { listAccountsTask } from '../../tasks/sweep/list-accounts';
import { planRepairTask } from '../../tasks/sweep/plan-repair';
import { publishDriftTask } from '../../tasks/sweep/publish-drift';
import { type AslDefinition, lambdaTask } from '../asl';
import type { WorkflowModule } from '../index';
import { buildOnboardingCore, ONBOARDING_CORE_TASKS } from '../onboarding/definition';

/**
 * The drift sweep, on a schedule and from `warden sweep`: find every account-region that is not
 * Enabled or whose features differ from config, repair it with the onboarding steps themselves
 * (so a repair is exactly an onboarding, and as idempotent), and report what could not be
 * repaired in one DRIFT notification.
 */
export function buildSweepDefinition(config: WardenConfig): AslDefinition {
  return {
    Comment:
      'Finds GuardDuty membership and feature drift, repairs it with the onboarding steps, reports the rest',
    StartAt: "List the organisation's accounts",
    States: {
      "List the organisation's accounts": lambdaTask({
        task: listAccountsTask.id,
        next: 'Look for drift in each region',
      }),
      'Look for drift in each region': {
        Type: 'Map',
        ItemsPath: '$.regions',
        ItemSelector: { 'region.$': '$$.Map.Item.Value', 'accounts.$': '$.accounts' },
        MaxConcurrency: config.onboarding.maxConcurrency,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'Find the drift in the region',
          States: { 'Find the drift in the region': lambdaTask({ task: findDriftTask.id, end: true }) },
        },
        ResultPath: '$.regions',
        Next: 'Choose the accounts to repair',
      },
      'Choose the accounts to repair': lambdaTask({
        task: planRepairTask.id,
        payload: { 'regions.$': '$.regions' },
        next: 'Is there drift to repair?',
      }),
      'Is there drift to repair?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.hasDrift', BooleanEquals: true, Next: 'Describe each account' }],
        Default: 'Nothing drifted',
      },
      'Nothing drifted': { Type: 'Succeed' },
      ...buildOnboardingCore(config, 'Report the drift', '$.summary'),
      'Report the drift': lambdaTask({
        task: publishDriftTask.id,
        payload: { 'drift.$': '$.drift', 'summaries.$': '$.summary.summaries' },
        resultPath: '$.report',
        end: true,
      }),
    },
  };
}

export const sweepWorkflow: WorkflowModule = {
  name: 'sweep',
  stateMachineName: 'warden-sweep',
  description: 'Finds and repairs GuardDuty membership and feature drift; reports what it cannot repair',
  build: buildSweepDefinition,
  tasks: [listAccountsTask, findDriftTask, planRepairTask, ...ONBOARDING_CORE_TASKS, publishDriftTask],
};
