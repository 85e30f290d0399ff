import { afterEach, describe, expect, it } from '@jest/globals';
import {
  type Harness,
  MANAGEMENT,
  MEMBER,
  makeControlTowerEvent,
  onboard,
  outputOf,
  startHarness,
} from './harness';

let h: Harness;
afterEach(async () => h?.warden.stop());

function expectNothingOnboarded() {
  expect(h.warden.world.cloud.count({ service: 'guardduty' })).toBe(0);
  expect(h.warden.world.services.sns.outboxFor(h.warden.topicArn)).toHaveLength(0);
}

describe('requests that do not lead to onboarding', () => {
  it.each([
    [
      'a FAILED account creation',
      makeControlTowerEvent({ state: 'FAILED' }),
      'ACCOUNT_CREATION_NOT_SUCCEEDED',
    ],
    ['an unrelated event', makeControlTowerEvent({ source: 'aws.ec2' }), 'NOT_A_CONTROL_TOWER_EVENT'],
    [
      'another Control Tower event',
      makeControlTowerEvent({ eventName: 'EnableGuardrail' }),
      'UNSUPPORTED_EVENT',
    ],
    [
      'an event with a malformed account id',
      makeControlTowerEvent({ accountId: '12345' }),
      'MALFORMED_EVENT',
    ],
    [
      'an event for the management account',
      makeControlTowerEvent({ accountId: MANAGEMENT }),
      'MANAGEMENT_ACCOUNT',
    ],
    ['a request without accounts', { trigger: 'cli', accounts: [] }, 'MALFORMED_REQUEST'],
  ])('ends %s with a named reason and no onboarding', async (_what, request, reason) => {
    h = await startHarness();

    const record = await onboard(h, request);

    expect(record.status).toBe('SUCCEEDED');
    expect(outputOf(record)).toMatchObject({ skipped: true, reason });
    expectNothingOnboarded();
  });

  it('reports a suspended account as not onboarded, with the reason', async () => {
    h = await startHarness();
    h.warden.world.services.organizations.suspendAccount(MEMBER);

    const record = await onboard(h, makeControlTowerEvent({ accountId: MEMBER }));

    expect(outputOf(record).summaries[0]).toMatchObject({
      result: 'NOT_ONBOARDED',
      reason: 'ACCOUNT_SUSPENDED',
    });
    expect(h.warden.world.cloud.count({ service: 'guardduty', mutating: true })).toBe(0);
  });

  it('reports an account that is not in the organisation as not found', async () => {
    h = await startHarness();

    const record = await onboard(h, { trigger: 'cli', accounts: ['399999999999'] });

    expect(outputOf(record).summaries[0]).toMatchObject({
      result: 'NOT_ONBOARDED',
      reason: 'ACCOUNT_NOT_FOUND',
    });
  });
});
