import { describe, expect, it } from '@jest/globals';
import { onboardingExecutionName } from '../../../tasks/onboarding/execution-name';
import { makeControlTowerEvent } from '../../workflows/onboarding/harness';

const NOW = new Date('2026-03-04T05:06:07Z');

describe('onboardingExecutionName', () => {
  it('gives two deliveries of one Control Tower event the same name, whenever they arrive', () => {
    const event = makeControlTowerEvent({ accountId: '300000000001', eventId: 'a' });
    const later = new Date(NOW.getTime() + 3_600_000);
    expect(onboardingExecutionName(structuredClone(event), later)).toBe(onboardingExecutionName(event, NOW));
  });

  it('keeps the name when forwarding changed the EventBridge id but not the CloudTrail event id', () => {
    const event = makeControlTowerEvent({ eventId: 'a' });
    const forwarded = { ...event, id: 'another-envelope-id' };
    expect(onboardingExecutionName(forwarded, NOW)).toBe(onboardingExecutionName(event, NOW));
  });

  it('gives different events different names', () => {
    const a = onboardingExecutionName(makeControlTowerEvent({ eventId: 'a' }), NOW);
    const b = onboardingExecutionName(makeControlTowerEvent({ eventId: 'b' }), NOW);
    expect(a).not.toBe(b);
  });

  it('makes names Step Functions accepts, even for a malformed event', () => {
    for (const request of [
      makeControlTowerEvent(),
      {
        source: 'aws.controltower',
        detail: { serviceEventDetails: { x: { account: { accountId: '<script>' } } } },
      },
      { trigger: 'cli', accounts: ['300000000001'] },
      {
        trigger: 'backfill',
        accounts: Array.from({ length: 50 }, (_, i) => `3000000001${String(i).padStart(2, '0')}`),
        batch: 3,
      },
    ]) {
      expect(onboardingExecutionName(request, NOW)).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    }
  });

  it('names a request from the CLI by trigger, account and time', () => {
    expect(onboardingExecutionName({ trigger: 'cli', accounts: ['300000000001'] }, NOW)).toBe(
      'cli-300000000001-20260304050607',
    );
  });
});
