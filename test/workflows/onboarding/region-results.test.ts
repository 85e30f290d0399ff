import { afterEach, describe, expect, it } from '@jest/globals';
import {
  type Harness,
  MEMBER,
  makeConfig,
  OTHER_ADMIN,
  onboard,
  outputOf,
  regionOutcomes,
  SECURITY,
  startHarness,
} from './harness';

const HOME = 'eu-west-1';
const OTHER = 'us-east-1';
let h: Harness;
afterEach(async () => h?.warden.stop());

describe('per-region results that end a branch without a loop', () => {
  it.each([
    ['EmailVerificationFailed', 'EMAIL_VERIFICATION_FAILED'],
    ['EmailVerificationInProgress', 'EMAIL_VERIFICATION_IN_PROGRESS'],
    ['Resigned', 'RESIGNED'],
    ['Disabled', 'DISABLED'],
  ] as const)('reports a member in status %s as %s in that region only', async (status, outcome) => {
    h = await startHarness();
    h.warden.world.services.guardduty.setRelationship(SECURITY, MEMBER, HOME, status);

    const record = await onboard(h, { trigger: 'cli', accounts: [MEMBER] });

    expect(regionOutcomes(record, MEMBER)).toEqual({ [HOME]: outcome, [OTHER]: 'ENABLED' });
    expect(outputOf(record).summaries[0]).toMatchObject({ result: 'INCOMPLETE', severity: 'HIGH' });
    expect(h.warden.world.services.guardduty.relationship(SECURITY, MEMBER, HOME)).toBe(status);
  });

  it('reports an account that already belongs to another administrator', async () => {
    h = await startHarness();
    h.warden.world.services.guardduty.joinOtherAdministrator(MEMBER, OTHER_ADMIN, HOME);

    const record = await onboard(h, { trigger: 'cli', accounts: [MEMBER] });

    expect(regionOutcomes(record, MEMBER)).toEqual({
      [HOME]: 'MEMBER_OF_ANOTHER_ADMINISTRATOR',
      [OTHER]: 'ENABLED',
    });
    const home = outputOf(record).summaries[0].regions.find((r: { region: string }) => r.region === HOME);
    expect(home.detail).toContain(OTHER_ADMIN);
  });

  it('skips and reports an opt-in region the account has not enabled', async () => {
    const optIn = 'ap-east-1';
    h = await startHarness({
      config: makeConfig({ regions: [HOME, optIn] }),
      members: [{ id: MEMBER, name: 'member-01', email: 'm@example.com', enabledRegions: [] }],
    });

    const record = await onboard(h, { trigger: 'cli', accounts: [MEMBER] });

    expect(regionOutcomes(record, MEMBER)).toEqual({ [HOME]: 'ENABLED', [optIn]: 'REGION_NOT_ENABLED' });
    expect(outputOf(record).summaries[0]).toMatchObject({
      result: 'ONBOARDED',
      counts: { enabled: 1, skipped: 1 },
    });
    const inOptIn = h.warden.world.cloud.calls.filter((c) => c.account === MEMBER && c.region === optIn);
    expect(inOptIn).toEqual([]);
  });

  it('fails every region with MemberRoleUnavailableError when the member role is missing', async () => {
    h = await startHarness();
    h.warden.world.services.iam.deleteRole(MEMBER, h.warden.config.organization.memberRoleName);

    const record = await onboard(h, { trigger: 'cli', accounts: [MEMBER] });

    expect(record.status).toBe('SUCCEEDED');
    expect(regionOutcomes(record, MEMBER)).toEqual({
      [HOME]: 'MEMBER_ROLE_UNAVAILABLE',
      [OTHER]: 'MEMBER_ROLE_UNAVAILABLE',
    });
    const regions = outputOf(record).summaries[0].regions;
    expect(regions.map((r: { error: string }) => r.error)).toEqual([
      'MemberRoleUnavailableError',
      'MemberRoleUnavailableError',
    ]);
    const message = h.warden.world.services.sns.outboxFor(h.warden.topicArn)[0]!;
    expect(message.message).toContain('member role unavailable [MemberRoleUnavailableError]');
  });

  it('reports organisation mode without delegated administration instead of waiting forever', async () => {
    h = await startHarness({ config: makeConfig({ mode: 'organization' }) });
    h.warden.world.services.guardduty.setOrganizationAdmin('555555555555', HOME);

    const record = await onboard(h, { trigger: 'cli', accounts: [MEMBER] });

    expect(regionOutcomes(record, MEMBER)[HOME]).toBe('NOT_DELEGATED_ADMINISTRATOR');
  });
});
