import {
  AcceptAdministratorInvitationCommand,
  GetAdministratorAccountCommand,
  type GuardDutyClient,
  ListInvitationsCommand,
} from '@aws-sdk/client-guardduty';
import * as z from 'zod';
import { memberCall, memberClient } from '../guardduty/aws';
import { InvitationNotFoundError } from '../guardduty/errors';
import { lambdaHandler } from '../shared/lambda';
import { defineTask, type TaskDeps } from '../shared/task';
import { ensureMemberDetector, MEMBER_DETECTOR_ACTIONS } from './ensure-member-detector';
import { type StepResult, WorkItem } from './model';

/**
 * Invitation mode, inside the member account: find the administrator's invitation and accept it
 * with AcceptAdministratorInvitation (AcceptInvitation is deprecated). When there is no invitation
 * the member may already have accepted (a retried step) or belong to another administrator; the
 * member's view of its administrator tells which.
 */
export async function acceptInvitation(
  account: string,
  region: string,
  knownDetectorId: string | undefined,
  deps: TaskDeps,
): Promise<StepResult> {
  const admin = deps.config.organization.securityAccountId;
  const client = memberClient(deps, account, region);
  const send = <T>(doing: string, fn: () => Promise<T>) => memberCall(deps, account, doing, fn);
  const detectorId = knownDetectorId ?? (await ensureMemberDetector(account, region, deps));
  const invitationId = await findInvitation(client, send, account, region, admin);
  if (invitationId) {
    try {
      await send(`accepting the invitation of ${admin} in ${account} in ${region}`, () =>
        client.send(
          new AcceptAdministratorInvitationCommand({
            DetectorId: detectorId,
            AdministratorId: admin,
            InvitationId: invitationId,
          }),
        ),
      );
      return { accountId: account, ok: true, memberDetectorId: detectorId };
    } catch (error) {
      if ((error as Error).name !== 'BadRequestException') throw error;
    }
  }
  const out = await send(`reading the administrator of ${account} in ${region}`, () =>
    client.send(new GetAdministratorAccountCommand({ DetectorId: detectorId })),
  );
  const current = out.Administrator;
  if (current?.AccountId === admin && ['Enabled', 'Disabled'].includes(current.RelationshipStatus ?? '')) {
    return { accountId: account, ok: true, memberDetectorId: detectorId };
  }
  if (current?.AccountId && ['Enabled', 'Disabled'].includes(current.RelationshipStatus ?? '')) {
    return {
      accountId: account,
      ok: false,
      outcome: 'MEMBER_OF_ANOTHER_ADMINISTRATOR',
      detail: `already a member of GuardDuty administrator ${current.AccountId}`,
    };
  }
  throw new InvitationNotFoundError(
    `${account} has no pending invitation from ${admin} in ${region} and is not its member`,
  );
}

async function findInvitation(
  client: GuardDutyClient,
  send: <T>(doing: string, fn: () => Promise<T>) => Promise<T>,
  account: string,
  region: string,
  admin: string,
): Promise<string | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await send(`listing the invitations of ${account} in ${region}`, () =>
      client.send(new ListInvitationsCommand({ MaxResults: 50, NextToken: nextToken })),
    );
    const ours = (page.Invitations ?? []).find((i) => i.AccountId === admin && i.InvitationId);
    if (ours) return ours.InvitationId;
    nextToken = page.NextToken;
  } while (nextToken);
  return undefined;
}

export const acceptInvitationTask = defineTask({
  id: 'AcceptInvitation',
  entry: __filename,
  input: z.object({ item: WorkItem, region: z.string().min(1) }),
  needs: {
    assumeMemberRole: true,
    memberActions: [
      ...MEMBER_DETECTOR_ACTIONS,
      'guardduty:ListInvitations',
      'guardduty:AcceptAdministratorInvitation',
      'guardduty:GetAdministratorAccount',
    ],
  },
  run: async (input, deps) =>
    acceptInvitation(input.item.accountId, input.region, input.item.memberDetectorId, deps),
});

export const handler = lambdaHandler(acceptInvitationTask);
