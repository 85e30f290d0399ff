import { UnexpectedGuardDutyResponseError } from '../guardduty/errors';
import { type MemberStatus, statusOf } from '../guardduty/members';
import { readMembers, terminalFor } from '../guardduty/memberships';
import { lambdaHandler } from '../shared/lambda';
import { defineTask } from '../shared/task';
import { type MemberEntry, RegionWork } from './model';

/**
 * Reads what GuardDuty already knows about each account in the region before changing anything,
 * so that a second run finds every account Enabled and writes nothing. Statuses that need a person
 * (Disabled, Resigned, e-mail verification) end the account's branch here; the accounts that need
 * a member detector become the next Map state's work.
 */
const NEEDS_PREPARING: Record<'invitation' | 'organization', readonly MemberStatus[]> = {
  invitation: ['None', 'Created', 'Removed'],
  organization: ['None', 'Created', 'Removed', 'Invited'],
};

export const readMembershipsTask = defineTask({
  id: 'ReadMemberships',
  entry: __filename,
  input: RegionWork,
  needs: { actions: ['guardduty:GetMembers'] },
  run: async (work, deps): Promise<RegionWork> => {
    if (!work.administratorDetectorId) {
      throw new UnexpectedGuardDutyResponseError(`no administrator detector known in ${work.region}`);
    }
    const open = work.members.filter((m) => !m.outcome).map((m) => m.accountId);
    const found = open.length
      ? await readMembers(deps, work.region, work.administratorDetectorId, open)
      : new Map();
    const prepare = NEEDS_PREPARING[deps.config.onboarding.mode];
    const members = work.members.map((m): MemberEntry => {
      if (m.outcome) return m;
      const record = found.get(m.accountId);
      const status = statusOf(record);
      const next: MemberEntry = { ...m, status, memberDetectorId: record?.DetectorId ?? m.memberDetectorId };
      if (status === 'Enabled') return { ...next, alreadyEnabled: true };
      const terminal = terminalFor(status, record);
      return terminal ? { ...next, ...terminal } : next;
    });
    return {
      ...work,
      members,
      work: members
        .filter((m) => !m.outcome && prepare.includes(m.status))
        .map((m) => ({ accountId: m.accountId, memberDetectorId: m.memberDetectorId })),
    };
  },
});

export const handler = lambdaHandler(readMembershipsTask);
