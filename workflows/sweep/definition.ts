import type { WardenConfig } from '../../config/schema';
import { planBatchesTask } from '../../tasks/sweep/plan-batches';
import { summariseSweepTask } from '../../tasks/sweep/summarise-sweep';
import { sweepBatchTask } from '../../tasks/sweep/sweep-batch';
import { type AslDefinition, lambdaTask, transientRetry } from '../asl';
import type { WorkflowModule } from '../index';

/** Batches swept at once (each reads its accounts in every region, four regions at a time). */
export const SWEEP_BATCH_CONCURRENCY = 10;

/**
 * The drift sweep, on a schedule and from `warden sweep`: find every account-region that is not
 * Enabled or whose features differ from config, batch by batch (batches sized like the backfill's
 * executions), and hand each batch that drifted to the onboarding workflow — so a repair is
 * exactly an onboarding, as idempotent, and reports its batch in one DRIFT notification. The
 * sweep carries references and counts only: its state and history grow with the number of
 * batches, not with accounts × regions.
 */
export function buildSweepDefinition(_config: WardenConfig): AslDefinition {
  return {
    Comment: 'Finds GuardDuty membership and feature drift batch by batch and starts the repair of each',
    StartAt: 'Plan the batches of accounts',
    States: {
      'Plan the batches of accounts': lambdaTask({
        task: planBatchesTask.id,
        next: 'Is the account list still being read?',
      }),
      // Only after deployment: the list is read from Organizations over several invocations.
      'Is the account list still being read?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.seeding', BooleanEquals: true, Next: 'Plan the batches of accounts' }],
        Default: 'Sweep each batch',
      },
      'Sweep each batch': {
        Type: 'Map',
        ItemsPath: '$.batches',
        ItemSelector: { 'batch.$': '$$.Map.Item.Value', 'sweep.$': '$$.Execution.Name' },
        MaxConcurrency: SWEEP_BATCH_CONCURRENCY,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: "Find the batch's drift and start its repair",
          States: {
            "Find the batch's drift and start its repair": {
              ...lambdaTask({ task: sweepBatchTask.id, end: true }),
              // Every page is retried inside the task; what is still throttled retries the batch.
              Retry: [transientRetry(8)],
            },
          },
        },
        ResultPath: '$.batches',
        Next: 'Sum up the sweep',
      },
      'Sum up the sweep': lambdaTask({
        task: summariseSweepTask.id,
        payload: { 'batches.$': '$.batches' },
        end: true,
      }),
    },
  };
}

export const sweepWorkflow: WorkflowModule = {
  name: 'sweep',
  stateMachineName: 'warden-sweep',
  description: 'Finds GuardDuty membership and feature drift; starts the onboarding steps to repair it',
  build: buildSweepDefinition,
  tasks: [planBatchesTask, sweepBatchTask, summariseSweepTask],
};
