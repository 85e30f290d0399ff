import { DescribeAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import * as z from 'zod';
import { accountIdSchema as accountId } from '../../config/aws-names';
import { call, retryPage } from '../shared/aws-call';
import { taskEnvironment } from '../shared/environment';
import { lambdaHandler } from '../shared/lambda';
import { defineTask, type TaskDeps } from '../shared/task';
import { AccountRegistry } from './registry';

/**
 * Keeps Warden's account list current from AWS Organizations' events (CloudTrail, delivered by
 * EventBridge in us-east-1 of the management account and forwarded to the security account):
 * - CreateAccountResult (an "AWS Service Event via CloudTrail"): `serviceEventDetails.
 *   createAccountStatus` with `state` and, when SUCCEEDED, `accountId`;
 * - AcceptHandshake: an invited account joined; its id is the handshake's ACCOUNT party in
 *   `responseElements.handshake.parties` (or the caller's own account);
 * - MoveAccount: `requestParameters.accountId` (still a member; recorded in case it was missed);
 * - RemoveAccountFromOrganization: `requestParameters.accountId` leaves the list.
 * (Event shapes: "Logging and monitoring in AWS Organizations", AWS Organizations User Guide.)
 * A joining account is described once (DescribeAccount) so that only ACTIVE accounts are listed,
 * whatever the event said. The management and security accounts are never listed: Warden does not
 * govern them as members. A malformed or unrelated event is an outcome, not a failure.
 */
export const ORGANIZATION_EVENT_NAMES = [
  'CreateAccountResult',
  'AcceptHandshake',
  'MoveAccount',
  'RemoveAccountFromOrganization',
] as const;

const OrganizationsEvent = z.object({
  source: z.literal('aws.organizations'),
  detail: z
    .object({
      eventName: z.enum(ORGANIZATION_EVENT_NAMES),
      errorCode: z.string().optional(),
      recipientAccountId: z.string().optional(),
      userIdentity: z.object({ accountId: z.string().optional() }).passthrough().optional(),
      requestParameters: z.object({ accountId: z.string().optional() }).passthrough().nullish(),
      responseElements: z
        .object({
          handshake: z
            .object({ parties: z.array(z.object({ type: z.string(), id: z.string() })).optional() })
            .passthrough()
            .optional(),
        })
        .passthrough()
        .nullish(),
      serviceEventDetails: z
        .object({
          createAccountStatus: z
            .object({ state: z.string(), accountId: z.string().optional() })
            .passthrough()
            .optional(),
        })
        .passthrough()
        .nullish(),
    })
    .passthrough(),
});

export type OrganizationEventResult =
  | { outcome: 'RECORDED' | 'REMOVED'; eventName: string; accounts: string[] }
  | { outcome: 'IGNORED'; reason: string };

export const recordOrganizationEventTask = defineTask({
  id: 'RecordOrganizationEvent',
  entry: __filename,
  trigger: { kind: 'event', events: 'organizations-accounts' },
  input: z.unknown(),
  environment: taskEnvironment('ACCOUNTS_TABLE'),
  needs: { tables: { accounts: 'write' }, actions: ['organizations:DescribeAccount'] },
  run: recordOrganizationEvent,
});

export const handler = lambdaHandler(recordOrganizationEventTask);

export async function recordOrganizationEvent(
  raw: unknown,
  deps: TaskDeps,
): Promise<OrganizationEventResult> {
  const parsed = OrganizationsEvent.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.map(String).join('.') || '(event)'}: ${i.message}`)
      .join('; ');
    return { outcome: 'IGNORED', reason: `not an Organizations account event Warden follows: ${problems}` };
  }
  const d = parsed.data.detail;
  if (d.errorCode) return { outcome: 'IGNORED', reason: `${d.eventName} failed with ${d.errorCode}` };
  const { managementAccountId, securityAccountId } = deps.config.organization;
  const governed = (ids: (string | undefined)[]) =>
    [...new Set(ids)].filter(
      (id): id is string =>
        !!id && accountId.safeParse(id).success && id !== managementAccountId && id !== securityAccountId,
    );
  const registry = new AccountRegistry(deps);
  const at = deps.now().toISOString();

  if (d.eventName === 'RemoveAccountFromOrganization') {
    const ids = governed([d.requestParameters?.accountId]);
    if (!ids.length)
      return { outcome: 'IGNORED', reason: 'RemoveAccountFromOrganization names no member account' };
    for (const id of ids) await registry.remove(id);
    return { outcome: 'REMOVED', eventName: d.eventName, accounts: ids };
  }

  let candidates: (string | undefined)[];
  if (d.eventName === 'CreateAccountResult') {
    const status = d.serviceEventDetails?.createAccountStatus;
    if (status?.state !== 'SUCCEEDED') {
      return { outcome: 'IGNORED', reason: `CreateAccountResult is ${status?.state ?? 'without a status'}` };
    }
    candidates = [status.accountId];
  } else if (d.eventName === 'AcceptHandshake') {
    const parties = d.responseElements?.handshake?.parties ?? [];
    candidates = [...parties.filter((p) => p.type === 'ACCOUNT').map((p) => p.id), d.userIdentity?.accountId];
  } else {
    candidates = [d.requestParameters?.accountId];
  }
  const ids = governed(candidates);
  if (!ids.length) return { outcome: 'IGNORED', reason: `${d.eventName} names no member account` };
  const recorded: string[] = [];
  const left: string[] = [];
  for (const id of ids) {
    if ((await describeStatus(deps, id)) === 'ACTIVE') {
      await registry.put(id, at, d.eventName);
      recorded.push(id);
    } else {
      await registry.remove(id);
      left.push(id);
    }
  }
  if (!recorded.length) return { outcome: 'REMOVED', eventName: d.eventName, accounts: left };
  return { outcome: 'RECORDED', eventName: d.eventName, accounts: recorded };
}

/** The account's status in the organisation, or NOT_A_MEMBER. */
async function describeStatus(deps: TaskDeps, id: string): Promise<string> {
  const { securityAccountId, homeRegion } = deps.config.organization;
  const client = deps.clients.client(OrganizationsClient, { account: securityAccountId, region: homeRegion });
  try {
    const out = await retryPage(() =>
      call(`describing account ${id}`, () => client.send(new DescribeAccountCommand({ AccountId: id }))),
    );
    return out.Account?.Status ?? 'UNKNOWN';
  } catch (error) {
    if ((error as Error).name === 'AccountNotFoundException') return 'NOT_A_MEMBER';
    throw error;
  }
}
