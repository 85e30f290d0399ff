import * as z from 'zod';
import { AccountRegistry } from '../accounts/registry';
import { batchSizeFor } from '../guardduty/batch-size';
import { taskEnvironment } from '../shared/environment';
import { lambdaHandler } from '../shared/lambda';
import { defineTask } from '../shared/task';

/**
 * The first step of the sweep and the free-trial watch: the member accounts as batches sized like
 * the backfill's executions (at most 50 accounts, and at most 850 account-regions), each passed on
 * as a reference — its first and last account id — so the state holds a few bytes per batch
 * instead of every account id, at any size of organisation. The first run after deployment reads
 * the list from Organizations over as many invocations as it takes (`seeding`: the workflow comes
 * back here).
 */
export const AccountBatchRef = z.object({
  index: z.number().int().min(0),
  first: z.string().regex(/^\d{12}$/),
  last: z.string().regex(/^\d{12}$/),
});
export type AccountBatchRef = z.infer<typeof AccountBatchRef>;

export const planBatchesTask = defineTask({
  id: 'PlanAccountBatches',
  entry: __filename,
  input: z.object({}).passthrough(),
  environment: taskEnvironment('ACCOUNTS_TABLE'),
  needs: { tables: { accounts: 'write' }, actions: ['organizations:ListAccounts'] },
  run: async (_input, deps) => {
    const size = batchSizeFor(deps.config.organization.regions.length);
    const { accounts, batches, seeding } = await new AccountRegistry(deps).batches(size);
    return { accounts, batchSize: size, batches, seeding };
  },
});

export const handler = lambdaHandler(planBatchesTask);
