import type { AccountSummary } from './summarise';

/** The readable text and the filterable attributes of one account's ONBOARDING_RESULT message. */
export function onboardingMessage(
  summary: AccountSummary,
  context: { trigger: string; executionArn?: string },
): { subject: string; text: string; regions: string[] } {
  const who = summary.name ? `${summary.accountId} (${summary.name})` : summary.accountId;
  const c = summary.counts;
  const lines: string[] = [];
  let subject: string;
  if (summary.result === 'NOT_ONBOARDED') {
    subject = `Warden: ${summary.accountId} not onboarded (${summary.reason})`;
    lines.push(`Warden did not onboard account ${who} into GuardDuty: ${summary.reason}.`);
    if (summary.detail) lines.push(`Why: ${summary.detail}.`);
  } else {
    const total = summary.regions.length;
    const protectedRegions = c.enabled + c.alreadyEnabled;
    subject =
      summary.result === 'ONBOARDED'
        ? `Warden: ${summary.accountId} protected in ${protectedRegions} of ${total} regions`
        : `Warden: ${summary.accountId} onboarding failed in ${c.failed} of ${total} regions`;
    lines.push(
      summary.result === 'ONBOARDED'
        ? `Account ${who} is a GuardDuty member of the security account in every region it uses.`
        : `Account ${who} could not be onboarded in every region; see the failures below.`,
    );
    lines.push(
      `Newly enabled: ${c.enabled}. Already enabled: ${c.alreadyEnabled}. Skipped: ${c.skipped}. Failed: ${c.failed}.`,
      '',
    );
    for (const r of summary.regions) {
      const what = r.outcome.toLowerCase().replace(/_/g, ' ');
      const error = r.error ? ` [${r.error}]` : '';
      lines.push(`- ${r.region}: ${what}${error}${r.detail ? ` — ${r.detail}` : ''}`);
    }
  }
  lines.push('', `Started by: ${context.trigger}.`);
  if (context.executionArn) lines.push(`Execution: ${context.executionArn}`);
  return {
    subject: subject.slice(0, 100),
    text: lines.join('\n'),
    regions: summary.regions.map((r) => r.region),
  };
}
