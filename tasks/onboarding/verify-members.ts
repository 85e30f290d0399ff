import { statusOf } from '../guardduty/members';
import { mergeStepResults, readMembers, terminalFor } from '../guardduty/memberships';
import { lambdaHandler } from '../shared/lambda';
import { defineTask } from '../shared/task';
import { type MemberEntry, RegionWork } from './model';

/**
 * Checks that GuardDuty reports each new member as Enabled. Right after an accept it may still
 * say Invited for a while; the state machine then waits and checks again (a bounded loop in the
 * definition, never a sleep in here). Any other status ends the account's branch with its result.
 */
export const verifyMembersTask = defineTask({
  id: 'VerifyMembers',
  entry: __filename,
  input: RegionWork,
  needs: { actions: ['guardduty:GetMembers'] },
  run: async (work, deps): Promise<RegionWork> => {
    const organizationMode = deps.config.onboarding.mode === 'organization';
    let members = mergeStepResults(work.members, work.stepResults);
    const open = members.filter((m) => !m.outcome && m.status !== 'Enabled').map((m) => m.accountId);
    const isOpen = new Set(open);
    const found = open.length
      ? await readMembers(deps, work.region, work.administratorDetectorId!, open)
      : new Map();
    members = members.map((m): MemberEntry => {
      if (m.outcome || !isOpen.has(m.accountId)) return m;
      const status = statusOf(found.get(m.accountId));
      if (status === 'Enabled' || status === 'Invited') return { ...m, status };
      const terminal = terminalFor(status, found.get(m.accountId));
      if (terminal) return { ...m, status, ...terminal };
      if (organizationMode && status === 'Created') {
        return {
          ...m,
          status,
          outcome: 'NOT_DELEGATED_ADMINISTRATOR',
          detail: `the security account is not GuardDuty's delegated administrator in ${work.region}, so organisation mode cannot enable the member`,
        };
      }
      return {
        ...m,
        status,
        outcome: 'FAILED',
        error: 'UnexpectedGuardDutyResponseError',
        detail: `GuardDuty reports the member as ${status} after onboarding`,
      };
    });
    return {
      ...work,
      members,
      work: [],
      stepResults: undefined,
      checks: work.checks + 1,
      pending: members.filter((m) => !m.outcome && m.status === 'Invited').length,
    };
  },
});

export const handler = lambdaHandler(verifyMembersTask);
