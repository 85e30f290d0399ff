import { describe, expect, it } from '@jest/globals';
import type { DescribedAccount, MemberEntry, RegionResult } from '../../../tasks/onboarding/model';
import { onboardingMessage } from '../../../tasks/onboarding/notification';
import { planRegions } from '../../../tasks/onboarding/plan-regions';
import { summariseOnboarding } from '../../../tasks/onboarding/summarise';

const ID = '300000000001';

function makeAccount(overrides: Partial<DescribedAccount> = {}): DescribedAccount {
  return {
    accountId: ID,
    name: 'member-01',
    email: 'm@example.com',
    eligible: true,
    enabledRegions: ['eu-west-1'],
    ...overrides,
  };
}

function makeRegion(
  region: string,
  member: Partial<MemberEntry> = {},
  failure?: RegionResult['failure'],
): RegionResult {
  return {
    region,
    members: [{ accountId: ID, email: 'm@example.com', status: 'Enabled', ...member }],
    failure,
  };
}

describe('summariseOnboarding', () => {
  it('counts enabled, already enabled, skipped and failed regions', () => {
    const [summary] = summariseOnboarding(
      [makeAccount()],
      [
        makeRegion('eu-west-1', { outcome: 'ENABLED' }),
        makeRegion('us-east-1', { outcome: 'ALREADY_ENABLED' }),
        makeRegion('ap-east-1', { outcome: 'REGION_NOT_ENABLED' }),
        makeRegion('eu-central-1', { outcome: 'RESIGNED' }),
      ],
    );
    expect(summary).toMatchObject({
      result: 'INCOMPLETE',
      severity: 'HIGH',
      counts: { enabled: 1, alreadyEnabled: 1, skipped: 1, failed: 1 },
    });
  });

  it('calls an account onboarded when no region failed, skipped regions included', () => {
    const [summary] = summariseOnboarding(
      [makeAccount()],
      [
        makeRegion('eu-west-1', { outcome: 'ENABLED' }),
        makeRegion('ap-east-1', { outcome: 'REGION_NOT_ENABLED' }),
      ],
    );
    expect(summary).toMatchObject({ result: 'ONBOARDED', severity: 'INFO' });
  });

  it('fails an account in a region whose branch failed as a whole, with the error name', () => {
    const [summary] = summariseOnboarding(
      [makeAccount()],
      [makeRegion('eu-west-1', {}, { Error: 'UnexpectedGuardDutyResponseError', Cause: 'no detector id' })],
    );
    expect(summary!.regions).toEqual([
      {
        region: 'eu-west-1',
        outcome: 'FAILED',
        kind: 'failed',
        error: 'UnexpectedGuardDutyResponseError',
        detail: 'no detector id',
      },
    ]);
  });

  it('keeps the reason of an account that was not eligible', () => {
    const [summary] = summariseOnboarding(
      [makeAccount({ eligible: false, reason: 'ACCOUNT_SUSPENDED' })],
      [],
    );
    expect(summary).toMatchObject({ result: 'NOT_ONBOARDED', reason: 'ACCOUNT_SUSPENDED', regions: [] });
  });
});

describe('planRegions', () => {
  it('marks a region the account has not enabled as REGION_NOT_ENABLED and leaves out ineligible accounts', () => {
    const plan = planRegions(
      [
        makeAccount(),
        makeAccount({ accountId: '300000000002', eligible: false, reason: 'ACCOUNT_NOT_FOUND' }),
      ],
      ['eu-west-1', 'ap-east-1'],
    );
    expect(plan.map((r) => [r.region, r.members.map((m) => m.outcome ?? 'to do')])).toEqual([
      ['eu-west-1', ['to do']],
      ['ap-east-1', ['REGION_NOT_ENABLED']],
    ]);
  });
});

describe('onboardingMessage', () => {
  it('keeps the subject within SNS limits and lists every region with its outcome', () => {
    const [summary] = summariseOnboarding(
      [makeAccount({ name: 'x'.repeat(200) })],
      [
        makeRegion('eu-west-1', {
          outcome: 'MEMBER_ROLE_UNAVAILABLE',
          error: 'MemberRoleUnavailableError',
          detail: 'no role',
        }),
      ],
    );
    const message = onboardingMessage(summary!, { trigger: 'control-tower' });
    expect(message.subject.length).toBeLessThanOrEqual(100);
    expect(message.text).toContain(
      '- eu-west-1: member role unavailable [MemberRoleUnavailableError] — no role',
    );
    expect(message.regions).toEqual(['eu-west-1']);
  });
});
