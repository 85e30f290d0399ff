import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { taskEnvironment } from '../shared/environment';
import { lambdaHandler } from '../shared/lambda';
import { defineTask } from '../shared/task';
import { call } from './aws-calls';
import { onboardingMessage } from './notification';
import { AccountSummary } from './summarise';

/**
 * Publishes one ONBOARDING_RESULT message for one account, with `category`, `severity`,
 * `account` and `region` attributes so that subscribers can filter (region is a String.Array of
 * the regions covered). Nothing is sent when the category is switched off in config.
 */
export const publishResultTask = defineTask({
  id: 'PublishOnboardingResult',
  entry: __filename,
  environment: taskEnvironment('TOPIC_ARN'),
  input: z.object({
    summary: AccountSummary,
    trigger: z.string(),
    executionArn: z.string().optional(),
  }),
  needs: { publish: true },
  run: async (input, deps) => {
    if (deps.config.notifications.disabled.includes('ONBOARDING_RESULT')) {
      return { accountId: input.summary.accountId, published: false };
    }
    const { subject, text, regions } = onboardingMessage(input.summary, input);
    const { homeRegion, securityAccountId } = deps.config.organization;
    const sns = deps.clients.client(SNSClient, { account: securityAccountId, region: homeRegion });
    const out = await call(`notifying the onboarding result of ${input.summary.accountId}`, () =>
      sns.send(
        new PublishCommand({
          TopicArn: deps.topicArn,
          Subject: subject,
          Message: text,
          MessageAttributes: {
            category: { DataType: 'String', StringValue: 'ONBOARDING_RESULT' },
            severity: { DataType: 'String', StringValue: input.summary.severity },
            account: { DataType: 'String', StringValue: input.summary.accountId },
            region: {
              DataType: 'String.Array',
              StringValue: JSON.stringify(regions.length ? regions : [homeRegion]),
            },
          },
        }),
      ),
    );
    return { accountId: input.summary.accountId, published: true, messageId: out.MessageId };
  },
});

export const handler = lambdaHandler(publishResultTask);
