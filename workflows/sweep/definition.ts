import type { WardenConfig } from '../../config/schema';
import { planBatchesTask } from '../../tasks/sweep/plan-batches';
import { summariseSweepTask } from '../../tasks/sweep/summarise-sweep';
import { sweepBatchTask } from '../../tasks/sweep/sweep-batch';
import { accountBatchStates } from '../account-batches';
import { type AslDefinition, lambdaTask } from '../asl';
import type { WorkflowModule } from '../index';

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
      ...accountBatchStates({
        mapState: 'Sweep each batch',
        itemSelector: { 'sweep.$': '$$.Execution.Name' },
        batchState: "Find the batch's drift and start its repair",
        batchTask: sweepBatchTask.id,
        next: 'Sum up the sweep',
      }),
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
