import * as z from 'zod';
import { accountId, type SkipReason } from './model';

/**
 * Control Tower lifecycle events, as EventBridge delivers them (forwarded from the management
 * account). Only a SUCCEEDED CreateManagedAccount or UpdateManagedAccount leads to onboarding;
 * anything else ends with a named reason, never an error, because the rule that forwards them
 * may be broader than Warden needs and a failed account creation is not Warden's fault.
 */
const LIFECYCLE_EVENTS = ['CreateManagedAccount', 'UpdateManagedAccount'] as const;
export type LifecycleEventName = (typeof LIFECYCLE_EVENTS)[number];

const statusDetails = z.object({
  state: z.string().min(1),
  message: z.string().optional(),
  account: z.object({ accountId, accountName: z.string().optional() }),
  organizationalUnit: z
    .object({ organizationalUnitId: z.string().optional(), organizationalUnitName: z.string().optional() })
    .optional(),
  requestedTimestamp: z.string().optional(),
  completedTimestamp: z.string().optional(),
});

const envelope = z.object({
  id: z.string().optional(),
  source: z.string(),
  'detail-type': z.string(),
  time: z.string().optional(),
  detail: z.object({ eventName: z.string() }).passthrough(),
});

const lifecycleDetail = z.object({
  eventName: z.enum(LIFECYCLE_EVENTS),
  eventID: z.string().optional(),
  eventTime: z.string().optional(),
  serviceEventDetails: z.union([
    z.object({ createManagedAccountStatus: statusDetails }),
    z.object({ updateManagedAccountStatus: statusDetails }),
  ]),
});

export interface LifecycleEvent {
  kind: 'onboard';
  eventName: LifecycleEventName;
  accountId: string;
  accountName?: string;
  organizationalUnit?: string;
  /** What makes two deliveries of one event the same: see `onboardingExecutionName`. */
  identity: string;
}

export interface SkippedEvent {
  kind: 'skip';
  reason: SkipReason;
  detail: string;
}

export function isControlTowerShaped(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && 'source' in raw;
}

export function parseControlTowerEvent(
  raw: unknown,
  accounts: { management: string; administrator: string },
): LifecycleEvent | SkippedEvent {
  const outer = envelope.safeParse(raw);
  if (!outer.success) return skip('MALFORMED_EVENT', describe(outer.error));
  const event = outer.data;
  if (event.source !== 'aws.controltower' || event['detail-type'] !== 'AWS Service Event via CloudTrail') {
    return skip(
      'NOT_A_CONTROL_TOWER_EVENT',
      `source ${event.source} and detail-type ${event['detail-type']} are not a Control Tower lifecycle event`,
    );
  }
  if (!(LIFECYCLE_EVENTS as readonly string[]).includes(event.detail.eventName)) {
    return skip(
      'UNSUPPORTED_EVENT',
      `${event.detail.eventName} is not one of ${LIFECYCLE_EVENTS.join(', ')}`,
    );
  }
  const parsed = lifecycleDetail.safeParse(event.detail);
  if (!parsed.success) return skip('MALFORMED_EVENT', describe(parsed.error));
  const detail = parsed.data;
  const status =
    'createManagedAccountStatus' in detail.serviceEventDetails
      ? detail.serviceEventDetails.createManagedAccountStatus
      : detail.serviceEventDetails.updateManagedAccountStatus;
  const id = status.account.accountId;
  if (status.state !== 'SUCCEEDED') {
    return skip(
      'ACCOUNT_CREATION_NOT_SUCCEEDED',
      `${detail.eventName} for ${id} ended in state ${status.state}${status.message ? `: ${status.message}` : ''}`,
    );
  }
  if (id === accounts.management) {
    return skip('MANAGEMENT_ACCOUNT', `${id} is the organisation's management account`);
  }
  if (id === accounts.administrator) {
    return skip('ADMINISTRATOR_ACCOUNT', `${id} is the GuardDuty administrator itself`);
  }
  return {
    kind: 'onboard',
    eventName: detail.eventName,
    accountId: id,
    accountName: status.account.accountName,
    organizationalUnit: status.organizationalUnit?.organizationalUnitId,
    // The CloudTrail event id survives forwarding between buses, where the EventBridge id may not.
    identity:
      detail.eventID ??
      `${detail.eventName}|${id}|${status.completedTimestamp ?? detail.eventTime ?? event.time ?? ''}`,
  };
}

function skip(reason: SkipReason, detail: string): SkippedEvent {
  return { kind: 'skip', reason, detail };
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(event)'}: ${i.message}`).join('; ');
}
