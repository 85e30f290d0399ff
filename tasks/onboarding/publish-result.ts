import * as z from 'zod';
import { taskEnvironment } from '../shared/environment';
import { lambdaHandler } from '../shared/lambda';
import { publish } from '../shared/notifications';
import { defineTask } from '../shared/task';
import { onboardingMessage } from './notification';
import { AccountSummary } from './summarise';

/**
 * Publishes one ONBOARDING_RESULT message for one account through Warden's one notification path,
 * its `region` attribute listing the regions covered. Nothing is sent when the category is
 * switched off in config.
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
    const { subject, text, regions } = onboardingMessage(input.summary, input);
    const result = await publish(deps, {
      category: 'ONBOARDING_RESULT',
      severity: input.summary.severity,
      account: input.summary.accountId,
      region: regions.length ? regions : [deps.config.organization.homeRegion],
      subject,
      lines: [text],
    });
    return { accountId: input.summary.accountId, ...result };
  },
});

export const handler = lambdaHandler(publishResultTask);
