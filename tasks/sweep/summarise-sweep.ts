import * as z from 'zod';
import { lambdaHandler } from '../shared/lambda';
import { defineTask } from '../shared/task';

/** The sweep's output: totals over its batches and the repairs it started (counts, not lists of accounts). */
const BatchResult = z.object({
  index: z.number().int().min(0),
  accounts: z.number().int().min(0),
  accountRegionsChecked: z.number().int().min(0),
  driftedAccountRegions: z.number().int().min(0),
  driftedAccounts: z.number().int().min(0),
  repair: z.string().optional(),
});

export function summariseSweep(batches: readonly z.infer<typeof BatchResult>[]) {
  let accounts = 0;
  let accountRegionsChecked = 0;
  let driftedAccountRegions = 0;
  let driftedAccounts = 0;
  const repairs: string[] = [];
  for (const b of batches) {
    accounts += b.accounts;
    accountRegionsChecked += b.accountRegionsChecked;
    driftedAccountRegions += b.driftedAccountRegions;
    driftedAccounts += b.driftedAccounts;
    if (b.repair) repairs.push(b.repair);
  }
  return {
    accounts,
    batches: batches.length,
    accountRegionsChecked,
    driftedAccountRegions,
    driftedAccounts,
    hasDrift: driftedAccountRegions > 0,
    repairs,
  };
}

export const summariseSweepTask = defineTask({
  id: 'SummariseSweep',
  entry: __filename,
  input: z.object({ batches: z.array(BatchResult) }),
  needs: {},
  run: async ({ batches }) => summariseSweep(batches),
});

export const handler = lambdaHandler(summariseSweepTask);
