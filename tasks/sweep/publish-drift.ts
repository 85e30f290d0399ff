import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { call } from '../onboarding/aws-calls';
import { AccountSummary } from '../onboarding/summarise';
import { taskEnvironment } from '../shared/environment';
import { lambdaHandler } from '../shared/lambda';
import { defineTask } from '../shared/task';
import { Drift } from './drift';

/**
 * One DRIFT message per repaired batch of the sweep: what was found, what the onboarding steps
 * repaired, and what still needs a person. Published by the onboarding execution that repaired
 * the batch (trigger `sweep`).
 */
export function driftMessage(drift: readonly Drift[], summaries: readonly AccountSummary[]) {
  const outcome = new Map<string, { outcome: string; detail?: string }>();
  for (const s of summaries) for (const r of s.regions) outcome.set(`${s.accountId}|${r.region}`, r);
  const repairedOutcomes = new Set(['ENABLED', 'ALREADY_ENABLED']);
  const repaired: Drift[] = [];
  const open: Drift[] = [];
  for (const d of drift) {
    const done = repairedOutcomes.has(outcome.get(`${d.accountId}|${d.region}`)?.outcome ?? '');
    (done ? repaired : open).push(d);
  }
  const line = (d: Drift) => {
    const o = outcome.get(`${d.accountId}|${d.region}`);
    const found = d.features ? `features differ (${d.features.join(', ')})` : `status ${d.status}`;
    const result = o ? o.outcome.toLowerCase().replace(/_/g, ' ') : 'not repaired';
    return `- ${d.accountId} in ${d.region}: ${found} → ${result}${o?.detail ? ` — ${o.detail}` : ''}`;
  };
  const text = [
    `Warden's drift sweep found ${drift.length} account-region(s) not as configured.`,
    `Repaired: ${repaired.length}. Needs attention: ${open.length}.`,
    '',
    ...(open.length ? ['Needs attention:', ...open.map(line), ''] : []),
    ...(repaired.length ? ['Repaired:', ...repaired.map(line)] : []),
  ].join('\n');
  return {
    subject: `Warden: drift in ${drift.length} account-region(s), ${open.length} need attention`.slice(
      0,
      100,
    ),
    text,
    severity: open.length ? 'MEDIUM' : 'INFO',
    accounts: [...new Set(drift.map((d) => d.accountId))],
    regions: [...new Set(drift.map((d) => d.region))],
  };
}

export const publishDriftTask = defineTask({
  id: 'PublishDriftReport',
  entry: __filename,
  environment: taskEnvironment('TOPIC_ARN'),
  input: z.object({ drift: z.array(Drift), summaries: z.array(AccountSummary) }),
  needs: { publish: true },
  run: async (input, deps) => {
    if (deps.config.notifications.disabled.includes('DRIFT')) return { published: false };
    const m = driftMessage(input.drift, input.summaries);
    const { homeRegion, securityAccountId } = deps.config.organization;
    const sns = deps.clients.client(SNSClient, { account: securityAccountId, region: homeRegion });
    await call('publishing the drift report', () =>
      sns.send(
        new PublishCommand({
          TopicArn: deps.topicArn,
          Subject: m.subject,
          Message: m.text,
          MessageAttributes: {
            category: { DataType: 'String', StringValue: 'DRIFT' },
            severity: { DataType: 'String', StringValue: m.severity },
            account: { DataType: 'String.Array', StringValue: JSON.stringify(m.accounts) },
            region: { DataType: 'String.Array', StringValue: JSON.stringify(m.regions) },
          },
        }),
      ),
    );
    return { published: true, driftCount: input.drift.length };
  },
});

export const handler = lambdaHandler(publishDriftTask);
