import * as z from 'zod';
import { taskEnvironment } from '../shared/environment';
import { lambdaHandler } from '../shared/lambda';
import { publish } from '../shared/notifications';
import { defineTask } from '../shared/task';
import { Drift } from '../sweep/drift';
import { AccountSummary } from './summarise';

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
    const m = driftMessage(input.drift, input.summaries);
    const result = await publish(deps, {
      category: 'DRIFT',
      severity: m.severity,
      account: m.accounts,
      region: m.regions,
      subject: m.subject,
      lines: [m.text],
    });
    return { ...result, driftCount: input.drift.length };
  },
});

export const handler = lambdaHandler(publishDriftTask);
