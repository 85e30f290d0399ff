import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { call } from '../onboarding/aws-calls';
import { taskEnvironment } from '../shared/environment';
import { lambdaHandler } from '../shared/lambda';
import { defineTask } from '../shared/task';
import { TrialDays } from './read-free-trial-days';

/** Every account-region-feature under the threshold, flattened and sorted by days left. */
export function endingTrials(regions: readonly { ending: readonly TrialDays[] }[]): TrialDays[] {
  return regions
    .flatMap((r) => r.ending)
    .sort((a, b) => a.days - b.days || a.accountId.localeCompare(b.accountId));
}

export function freeTrialMessage(ending: readonly TrialDays[], threshold: number) {
  const accounts = [...new Set(ending.map((e) => e.accountId))];
  const regions = [...new Set(ending.map((e) => e.region))];
  const text = [
    `GuardDuty free trials end within ${threshold} days for ${accounts.length} account(s); charges begin after that.`,
    '',
    ...ending.map((e) => `- ${e.accountId} in ${e.region}: ${e.feature} has ${e.days} day(s) left`),
  ].join('\n');
  return {
    subject: `Warden: GuardDuty free trial ending for ${accounts.length} account(s)`.slice(0, 100),
    text,
    accounts,
    regions,
  };
}

export const publishFreeTrialEndingTask = defineTask({
  id: 'PublishFreeTrialEnding',
  entry: __filename,
  environment: taskEnvironment('TOPIC_ARN'),
  input: z.object({ regions: z.array(z.object({ ending: z.array(TrialDays) })) }),
  needs: { publish: true },
  run: async (input, deps) => {
    const ending = endingTrials(input.regions);
    if (ending.length === 0) return { published: false, ending: 0 };
    if (deps.config.notifications.disabled.includes('FREE_TRIAL_ENDING'))
      return { published: false, ending: ending.length };
    const m = freeTrialMessage(ending, deps.config.onboarding.freeTrialThresholdDays);
    const { homeRegion, securityAccountId } = deps.config.organization;
    const sns = deps.clients.client(SNSClient, { account: securityAccountId, region: homeRegion });
    await call('publishing the free-trial notice', () =>
      sns.send(
        new PublishCommand({
          TopicArn: deps.topicArn,
          Subject: m.subject,
          Message: m.text,
          MessageAttributes: {
            category: { DataType: 'String', StringValue: 'FREE_TRIAL_ENDING' },
            severity: { DataType: 'String', StringValue: 'MEDIUM' },
            account: { DataType: 'String.Array', StringValue: JSON.stringify(m.accounts) },
            region: { DataType: 'String.Array', StringValue: JSON.stringify(m.regions) },
          },
        }),
      ),
    );
    return { published: true, ending: ending.length };
  },
});

export const handler = lambdaHandler(publishFreeTrialEndingTask);
