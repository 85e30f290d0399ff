import * as z from 'zod';
import { taskEnvironment } from '../shared/environment';
import { lambdaHandler } from '../shared/lambda';
import { publish } from '../shared/notifications';
import { defineTask } from '../shared/task';
import { TrialDays } from './read-free-trial-days';

/** The batches' results: totals, and the trials that end soonest (at most SHOWN in the message). */
export const BatchTrials = z.object({
  index: z.number().int().min(0),
  endingCount: z.number().int().min(0),
  endingAccounts: z.number().int().min(0),
  ending: z.array(TrialDays),
});
export type BatchTrials = z.infer<typeof BatchTrials>;

const SHOWN = 100;

export function endingTrials(batches: readonly BatchTrials[]) {
  let count = 0;
  let accounts = 0;
  const soonest: TrialDays[] = [];
  for (const b of batches) {
    count += b.endingCount;
    accounts += b.endingAccounts;
    soonest.push(...b.ending);
  }
  soonest.sort((a, b) => a.days - b.days || a.accountId.localeCompare(b.accountId));
  return { count, accounts, soonest: soonest.slice(0, SHOWN) };
}

export function freeTrialMessage(ending: ReturnType<typeof endingTrials>, threshold: number) {
  const accounts = [...new Set(ending.soonest.map((e) => e.accountId))];
  const regions = [...new Set(ending.soonest.map((e) => e.region))];
  const more = ending.count - ending.soonest.length;
  const text = [
    `GuardDuty free trials end within ${threshold} days for ${ending.accounts} account(s); charges begin after that.`,
    '',
    ...ending.soonest.map((e) => `- ${e.accountId} in ${e.region}: ${e.feature} has ${e.days} day(s) left`),
    ...(more > 0 ? [`… and ${more} more feature trial(s) ending`] : []),
  ].join('\n');
  return {
    subject: `Warden: GuardDuty free trial ending for ${ending.accounts} account(s)`.slice(0, 100),
    text,
    accounts,
    regions,
  };
}

export const publishFreeTrialEndingTask = defineTask({
  id: 'PublishFreeTrialEnding',
  entry: __filename,
  input: z.object({ batches: z.array(BatchTrials) }),
  environment: taskEnvironment('TOPIC_ARN'),
  needs: { publish: true },
  run: async (input, deps) => {
    const ending = endingTrials(input.batches);
    if (ending.count === 0) return { published: false, ending: 0 };
    const m = freeTrialMessage(ending, deps.config.onboarding.freeTrialThresholdDays);
    const result = await publish(deps, {
      category: 'FREE_TRIAL_ENDING',
      severity: 'MEDIUM',
      account: m.accounts,
      region: m.regions,
      subject: m.subject,
      lines: [m.text],
    });
    return { ...result, ending: ending.count };
  },
});

export const handler = lambdaHandler(publishFreeTrialEndingTask);
