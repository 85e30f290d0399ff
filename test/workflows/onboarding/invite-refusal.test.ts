import { afterEach, describe, expect, it } from '@jest/globals';
import { inviteMembersTask } from '../../../tasks/onboarding/invite-members';
import { runTask } from '../../../tasks/shared/task';
import { type Harness, MEMBER, OTHER_ADMIN, SECURITY, startHarness } from './harness';

/**
 * InviteMembers' refusal path, as the deployed function runs it (its role, its environment): an
 * account whose member record went away after CreateMembers and which joined another
 * administrator is refused by InviteMembers; reading the member account through the member role
 * (InviteMembers' AssumeWardenMemberRole) tells why.
 */
const HOME = 'eu-west-1';
let h: Harness;
afterEach(async () => h?.warden.stop());

describe('an invitation GuardDuty refuses', () => {
  it('is explained from the member account: it belongs to another administrator now', async () => {
    h = await startHarness();
    const guardduty = h.warden.world.services.guardduty;
    const administratorDetectorId = guardduty.ensureDetector(SECURITY, HOME);
    guardduty.joinOtherAdministrator(MEMBER, OTHER_ADMIN, HOME);

    const out = await runTask(
      inviteMembersTask,
      {
        region: HOME,
        administratorDetectorId,
        members: [{ accountId: MEMBER, email: 'member@example.com', status: 'Created' }],
      },
      h.warden.functionDeps('InviteMembers'),
    );

    expect(out.members).toEqual([
      expect.objectContaining({ accountId: MEMBER, outcome: 'MEMBER_OF_ANOTHER_ADMINISTRATOR' }),
    ]);
    expect(out.members[0]!.detail).toContain(OTHER_ADMIN);
    expect(out.work).toEqual([]);
    expect(h.warden.world.cloud.count({ operation: 'GetAdministratorAccount', account: MEMBER })).toBe(1);
  });
});
