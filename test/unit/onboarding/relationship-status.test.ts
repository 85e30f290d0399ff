import { statusOf } from '../../../tasks/guardduty/members';
import { terminalFor } from '../../../tasks/guardduty/memberships';
import { RegionWork } from '../../../tasks/onboarding/model';

describe('an unknown GuardDuty relationship status', () => {
  const member = { AccountId: '300000000001', RelationshipStatus: 'Paused', DetectorId: 'd1' } as never;

  it('is read as Unknown rather than passed on as a status the next step refuses', () => {
    expect(statusOf(member)).toBe('Unknown');
    expect(statusOf({ AccountId: '300000000001', RelationshipStatus: 'Enabled' } as never)).toBe('Enabled');
    expect(statusOf(undefined)).toBe('None');
  });

  it("ends that account's branch with a result naming the status GuardDuty reported", () => {
    expect(terminalFor('Unknown', member)).toEqual({
      outcome: 'UNKNOWN_RELATIONSHIP_STATUS',
      detail:
        'GuardDuty reports the relationship status "Paused", which Warden does not know; look at the member in GuardDuty',
    });
  });

  it('passes the next task’s validation, so the region goes on', () => {
    const work = RegionWork.safeParse({
      region: 'eu-west-1',
      administratorDetectorId: 'd0',
      members: [
        {
          accountId: '300000000001',
          email: 'member@example.com',
          status: statusOf(member),
          ...terminalFor('Unknown', member),
        },
      ],
    });
    expect(work.success).toBe(true);
  });
});
