import { planBatchesTask } from '../tasks/sweep/plan-batches';
import { type AslState, lambdaTask, transientRetry } from './asl';

/** Batches handled at once (each reads its accounts in every region, four regions at a time). */
export const SWEEP_BATCH_CONCURRENCY = 10;

/**
 * The states the sweep and the free-trial watch share: plan the batches of accounts (sized like
 * the backfill's executions), then one task per batch in a Map. The state machine carries
 * references and counts only, so its state and history grow with the number of batches, not with
 * accounts × regions.
 */
export function accountBatchStates(options: {
  /** The Map state over the batches. */
  mapState: string;
  /** What each batch's task receives besides the batch. */
  itemSelector?: Record<string, string>;
  /** The task state inside the Map, and its task. */
  batchState: string;
  batchTask: string;
  /** The state after every batch is done; it reads the batches' results at `$.batches`. */
  next: string;
}): Record<string, AslState> {
  return {
    'Plan the batches of accounts': lambdaTask({
      task: planBatchesTask.id,
      next: 'Is the account list still being read?',
    }),
    // Only after deployment: the list is read from Organizations over several invocations.
    'Is the account list still being read?': {
      Type: 'Choice',
      Choices: [{ Variable: '$.seeding', BooleanEquals: true, Next: 'Plan the batches of accounts' }],
      Default: options.mapState,
    },
    [options.mapState]: {
      Type: 'Map',
      ItemsPath: '$.batches',
      ItemSelector: { 'batch.$': '$$.Map.Item.Value', ...options.itemSelector },
      MaxConcurrency: SWEEP_BATCH_CONCURRENCY,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: options.batchState,
        States: {
          [options.batchState]: {
            ...lambdaTask({ task: options.batchTask, end: true }),
            // Every page is retried inside the task; what is still throttled retries the batch.
            Retry: [transientRetry(8)],
          },
        },
      },
      ResultPath: '$.batches',
      Next: options.next,
    },
  };
}
