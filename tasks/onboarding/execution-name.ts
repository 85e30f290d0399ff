import { createHash } from 'node:crypto';
import { isControlTowerShaped } from './control-tower-event';

/**
 * The execution name for an onboarding request. Step Functions refuses a second execution with
 * the same name, so two deliveries of one Control Tower event start one execution; requests from
 * people (the CLI, a backfill) are distinct by their start time and batch.
 */
export function onboardingExecutionName(request: unknown, now: Date = new Date()): string {
  if (isControlTowerShaped(request)) {
    const event = request as {
      id?: unknown;
      detail?: {
        eventID?: unknown;
        serviceEventDetails?: Record<string, { account?: { accountId?: unknown } } | undefined>;
      };
    };
    const status = Object.values(event.detail?.serviceEventDetails ?? {})[0];
    const account = String(status?.account?.accountId ?? 'unknown')
      .replace(/[^0-9a-z]/gi, '')
      .slice(0, 12);
    const identity =
      typeof event.detail?.eventID === 'string'
        ? event.detail.eventID
        : typeof event.id === 'string'
          ? event.id
          : stableJson(request);
    return `ct-${account || 'unknown'}-${hash(identity)}`;
  }
  const direct = request as { accounts?: unknown; trigger?: unknown; batch?: unknown };
  const accounts = Array.isArray(direct.accounts) ? direct.accounts.map(String) : [];
  const trigger = typeof direct.trigger === 'string' ? direct.trigger.replace(/[^a-z-]/g, '') : 'request';
  const stamp = now
    .toISOString()
    .replace(/[^0-9]/g, '')
    .slice(0, 14);
  const who =
    accounts.length === 1 ? accounts[0]! : `${accounts.length}-accounts-${hash(accounts.join(','))}`;
  const batch = typeof direct.batch === 'number' ? `-b${direct.batch}` : '';
  return `${trigger}-${who}-${stamp}${batch}`.slice(0, 80);
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
