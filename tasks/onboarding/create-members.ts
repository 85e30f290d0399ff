import { CreateMembersCommand } from '@aws-sdk/client-guardduty';
import { administratorClient } from '../guardduty/aws';
import type { MemberStatus } from '../guardduty/members';
import {
  mergeStepResults,
  refusalsOfBatches,
  SETTLE_REFUSALS,
  settleRefusals,
} from '../guardduty/memberships';
import { lambdaHandler } from '../shared/lambda';
import { defineTask } from '../shared/task';
import { type MemberEntry, RegionWork } from './model';

/**
 * CreateMembers for the accounts GuardDuty does not list yet, 50 per call. In organisation mode
 * this is also what enables a (re)added organisation account; in invitation mode the new member is
 * `Created` and the next step invites it. Refused accounts end with the reason the member gives.
 */
const TO_CREATE: Record<'invitation' | 'organization', readonly MemberStatus[]> = {
  invitation: ['None'],
  organization: ['None', 'Created', 'Removed', 'Invited'],
};

export const createMembersTask = defineTask({
  id: 'CreateMembers',
  entry: __filename,
  input: RegionWork,
  needs: {
    assumeMemberRole: true,
    actions: ['guardduty:CreateMembers', ...SETTLE_REFUSALS.actions],
    memberActions: [...SETTLE_REFUSALS.memberActions],
  },
  run: async (work, deps): Promise<RegionWork> => {
    const mode = deps.config.onboarding.mode;
    let members = mergeStepResults(work.members, work.stepResults);
    const wanted = members.filter((m) => !m.outcome && TO_CREATE[mode].includes(m.status));
    const client = administratorClient(deps, work.region);
    const refused = await refusalsOfBatches(
      wanted,
      (count) => `adding ${count} members in ${work.region}`,
      (batch) =>
        client.send(
          new CreateMembersCommand({
            DetectorId: work.administratorDetectorId,
            AccountDetails: batch.map((m) => ({ AccountId: m.accountId, Email: m.email })),
          }),
        ),
    );
    const created = new Set(wanted.map((m) => m.accountId));
    members = members.map(
      (m): MemberEntry =>
        created.has(m.accountId) && !refused.has(m.accountId) && mode === 'invitation'
          ? { ...m, status: 'Created' }
          : m,
    );
    members = await settleRefusals(deps, work.region, work.administratorDetectorId!, members, refused, (s) =>
      (mode === 'invitation' ? ['Created', 'Invited', 'Enabled'] : ['Enabled']).includes(s),
    );
    return { ...work, members, work: [], stepResults: undefined };
  },
});

export const handler = lambdaHandler(createMembersTask);
