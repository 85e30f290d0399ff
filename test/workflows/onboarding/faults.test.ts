import { afterEach, describe, expect, it } from '@jest/globals';
import { demoMembers } from '../../../runtime/sandbox/demo-organization';
import { VERIFY_MAX_CHECKS, VERIFY_WAIT_SECONDS } from '../../../workflows/onboarding/definition';
import {
  type Harness,
  MEMBER,
  makeConfig,
  onboard,
  outputOf,
  REGIONS,
  regionOutcomes,
  SECURITY,
  startHarness,
} from './harness';

let h: Harness;
afterEach(async () => h?.warden.stop());

function waitsIn(executionArn: string): number {
  return h.warden.runtime.store.history(executionArn).filter((e) => e.type === 'WaitStateEntered').length;
}

describe('onboarding under faults', () => {
  it.each(['invitation', 'organization'] as const)(
    'enables every account in %s mode with 20%% of GuardDuty and Organizations calls throttled',
    async (mode) => {
      h = await startHarness({ config: makeConfig({ mode }), memberCount: 5 });
      h.warden.world.cloud.faults.throttle({ service: 'guardduty', rate: 0.2 });
      h.warden.world.cloud.faults.throttle({ service: 'organizations', rate: 0.2 });
      const accounts = h.members.map((m) => m.id);

      const record = await onboard(h, { trigger: 'cli', accounts });

      expect(record.status).toBe('SUCCEEDED');
      for (const account of accounts) {
        for (const region of REGIONS) {
          expect(h.warden.world.services.guardduty.relationship(SECURITY, account, region)).toBe('Enabled');
        }
      }
      expect(outputOf(record).onboarded).toBe(accounts.length);
      const throttled = h.warden.world.cloud.calls.filter((c) => c.error === 'TooManyRequestsException');
      expect(throttled.length).toBeGreaterThan(0);
    },
  );

  it('waits in the state machine while GuardDuty still reports an accepted member as Invited', async () => {
    h = await startHarness({ members: demoMembers(1) });
    h.warden.world.services.guardduty.acceptLagCalls = 2;
    const started = h.clock.now();

    const record = await onboard(h, { trigger: 'cli', accounts: [MEMBER] });

    expect(regionOutcomes(record, MEMBER)).toEqual({
      'eu-west-1': 'ENABLED',
      'us-east-1': 'ENABLED',
    });
    expect(waitsIn(record.executionArn)).toBeGreaterThanOrEqual(2);
    expect(h.clock.now() - started).toBeGreaterThanOrEqual(2 * VERIFY_WAIT_SECONDS * 1000);
  });

  it('stops waiting after a bounded number of checks and reports NOT_ENABLED_IN_TIME', async () => {
    h = await startHarness({ config: makeConfig({ regions: ['eu-west-1'] }) });
    h.warden.world.services.guardduty.acceptLagCalls = 1000;

    const record = await onboard(h, { trigger: 'cli', accounts: [MEMBER] });

    expect(regionOutcomes(record, MEMBER)).toEqual({ 'eu-west-1': 'NOT_ENABLED_IN_TIME' });
    expect(waitsIn(record.executionArn)).toBe(VERIFY_MAX_CHECKS - 1);
  });
});
