import { z } from 'zod';
import { lambdaHandler } from '../shared/lambda';
import { defineTask } from '../shared/task';
import { Drift } from './find-drift';

/** The accounts the sweep hands to the onboarding steps: every account with drift in any region. */
export function planRepair(regions: readonly { drift: readonly Drift[] }[]) {
  const drift = regions.flatMap((r) => r.drift);
  const accounts = [...new Set(drift.map((d) => d.accountId))].sort();
  return { trigger: 'sweep' as const, accounts, drift, hasDrift: drift.length > 0 };
}

export const planRepairTask = defineTask({
  id: 'PlanDriftRepair',
  entry: __filename,
  input: z.object({ regions: z.array(z.object({ drift: z.array(Drift) })) }),
  needs: {},
  run: async (input) => planRepair(input.regions),
});

export const handler = lambdaHandler(planRepairTask);
