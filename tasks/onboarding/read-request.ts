import * as z from 'zod';
import { GUARDDUTY_BATCH } from '../guardduty/members';
import { lambdaHandler } from '../shared/lambda';
import { defineTask } from '../shared/task';
import { isControlTowerShaped, parseControlTowerEvent } from './control-tower-event';
import { accountId, type SkipReason, TRIGGERS, type Trigger } from './model';

/**
 * The first step: what is being asked. Either a Control Tower lifecycle event, or a request from
 * Warden itself (`warden onboard`, a backfill batch, the drift sweep) naming up to 50 accounts.
 * A request that cannot lead to onboarding ends here with a named reason.
 */
const DirectRequest = z.object({
  trigger: z.enum(TRIGGERS),
  accounts: z.array(accountId).min(1).max(GUARDDUTY_BATCH),
  batch: z.number().int().min(0).optional(),
  /** What a sweep found in these accounts (its repair reports it); read by the report step. */
  drift: z.array(z.object({ accountId }).passthrough()).optional(),
});

export type OnboardingRequest =
  | { skipped: false; trigger: Trigger; accounts: string[]; event?: { name: string; accountName?: string } }
  | { skipped: true; reason: SkipReason; detail: string };

export function readOnboardingRequest(
  raw: unknown,
  accounts: { management: string; administrator: string },
): OnboardingRequest {
  if (isControlTowerShaped(raw)) {
    const event = parseControlTowerEvent(raw, accounts);
    if (event.kind === 'skip') return { skipped: true, reason: event.reason, detail: event.detail };
    return {
      skipped: false,
      trigger: 'control-tower',
      accounts: [event.accountId],
      event: { name: event.eventName, accountName: event.accountName },
    };
  }
  const direct = DirectRequest.safeParse(raw);
  if (!direct.success) {
    const problems = direct.error.issues
      .map((i) => `${i.path.map(String).join('.') || '(request)'}: ${i.message}`)
      .join('; ');
    return { skipped: true, reason: 'MALFORMED_REQUEST', detail: problems };
  }
  return {
    skipped: false,
    trigger: direct.data.trigger,
    accounts: [...new Set(direct.data.accounts)],
  };
}

export const readRequestTask = defineTask({
  id: 'ReadOnboardingRequest',
  entry: __filename,
  // Anything may arrive on the bus; the task answers a malformed input with a reason, not a failure.
  input: z.unknown(),
  needs: {},
  run: async (input, deps) =>
    readOnboardingRequest(input, {
      management: deps.config.organization.managementAccountId,
      administrator: deps.config.organization.securityAccountId,
    }),
});

export const handler = lambdaHandler(readRequestTask);
