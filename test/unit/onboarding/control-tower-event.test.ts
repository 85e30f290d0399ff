import { describe, expect, it } from '@jest/globals';
import { parseControlTowerEvent } from '../../../tasks/onboarding/control-tower-event';
import { MANAGEMENT, makeControlTowerEvent, SECURITY } from '../../workflows/onboarding/harness';

const ACCOUNTS = { management: MANAGEMENT, administrator: SECURITY };

describe('parseControlTowerEvent', () => {
  it('accepts a SUCCEEDED CreateManagedAccount and names the new account', () => {
    expect(
      parseControlTowerEvent(makeControlTowerEvent({ accountId: '300000000007' }), ACCOUNTS),
    ).toMatchObject({
      kind: 'onboard',
      eventName: 'CreateManagedAccount',
      accountId: '300000000007',
      accountName: 'member-01',
      organizationalUnit: 'ou-abcd-12345678',
    });
  });

  it('accepts a SUCCEEDED UpdateManagedAccount from updateManagedAccountStatus', () => {
    const event = makeControlTowerEvent({ eventName: 'UpdateManagedAccount' });
    expect(parseControlTowerEvent(event, ACCOUNTS)).toMatchObject({
      kind: 'onboard',
      eventName: 'UpdateManagedAccount',
    });
  });

  it.each([
    ['a FAILED creation', makeControlTowerEvent({ state: 'FAILED' }), 'ACCOUNT_CREATION_NOT_SUCCEEDED'],
    ['another source', makeControlTowerEvent({ source: 'aws.guardduty' }), 'NOT_A_CONTROL_TOWER_EVENT'],
    ['another event name', makeControlTowerEvent({ eventName: 'SetupLandingZone' }), 'UNSUPPORTED_EVENT'],
    ['an 11-digit account id', makeControlTowerEvent({ accountId: '30000000001' }), 'MALFORMED_EVENT'],
    ['the management account', makeControlTowerEvent({ accountId: MANAGEMENT }), 'MANAGEMENT_ACCOUNT'],
    ['the administrator account', makeControlTowerEvent({ accountId: SECURITY }), 'ADMINISTRATOR_ACCOUNT'],
    ['a string', 'hello', 'MALFORMED_EVENT'],
    ['an event without detail', { source: 'aws.controltower', 'detail-type': 'x' }, 'MALFORMED_EVENT'],
  ])('skips %s with reason %s', (_what, event, reason) => {
    expect(parseControlTowerEvent(event, ACCOUNTS)).toMatchObject({ kind: 'skip', reason });
  });

  it('says which field is malformed', () => {
    const result = parseControlTowerEvent(makeControlTowerEvent({ accountId: 'abc' }), ACCOUNTS);
    expect(result).toMatchObject({ kind: 'skip', detail: expect.stringContaining('accountId') });
  });
});
