import { InviteMembersCommand } from '@aws-sdk/client-guardduty';
import { administratorClient } from '../guardduty/aws';
import { refusalsOfBatches, SETTLE_REFUSALS, settleRefusals } from '../guardduty/memberships';
import { lambdaHandler } from '../shared/lambda';
import { defineTask } from '../shared/task';
import { type MemberEntry, RegionWork } from './model';

/**
 * Invitation mode: invites the created (or removed) members, 50 per call, without GuardDuty's
 * e-mail — Warden accepts on the member's behalf in the next step. The invited accounts become
 * the next Map state's work.
 */
export const inviteMembersTask = defineTask({
  id: 'InviteMembers',
  entry: __filename,
  input: RegionWork,
  needs: {
    assumeMemberRole: true,
    actions: ['guardduty:InviteMembers', ...SETTLE_REFUSALS.actions],
    memberActions: [...SETTLE_REFUSALS.memberActions],
  },
  run: async (work, deps): Promise<RegionWork> => {
    const wanted = work.members.filter(
      (m) => !m.outcome && (m.status === 'Created' || m.status === 'Removed'),
    );
    const client = administratorClient(deps, work.region);
    const refused = await refusalsOfBatches(
      wanted,
      (count) => `inviting ${count} members in ${work.region}`,
      (batch) =>
        client.send(
          new InviteMembersCommand({
            DetectorId: work.administratorDetectorId,
            AccountIds: batch.map((m) => m.accountId),
            DisableEmailNotification: true,
          }),
        ),
    );
    const invited = new Set(wanted.map((m) => m.accountId));
    const members = await settleRefusals(
      deps,
      work.region,
      work.administratorDetectorId!,
      work.members.map(
        (m): MemberEntry =>
          invited.has(m.accountId) && !refused.has(m.accountId) ? { ...m, status: 'Invited' } : m,
      ),
      refused,
      (s) => s === 'Invited' || s === 'Enabled',
    );
    return {
      ...work,
      members,
      work: members
        .filter((m) => !m.outcome && m.status === 'Invited')
        .map((m) => ({ accountId: m.accountId, memberDetectorId: m.memberDetectorId })),
    };
  },
});

export const handler = lambdaHandler(inviteMembersTask);
