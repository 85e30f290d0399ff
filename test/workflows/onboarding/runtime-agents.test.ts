import { afterEach, describe, expect, it } from '@jest/globals';
import {
  type Harness,
  MEMBER,
  makeConfig,
  makeControlTowerEvent,
  memberFeatureConfigurations,
  onboard,
  REGIONS,
  startHarness,
} from './harness';

let h: Harness;
afterEach(async () => h?.warden.stop());

/** The member's runtime monitoring agent management, as the administrator reads it. */
async function agentManagement(region: string): Promise<Record<string, string>> {
  const features = await memberFeatureConfigurations(h, MEMBER, region);
  const runtime = features.find((f) => f.Name === 'RUNTIME_MONITORING');
  return Object.fromEntries((runtime?.AdditionalConfiguration ?? []).map((a) => [a.Name!, a.Status!]));
}

describe('runtime monitoring agents', () => {
  it('lets GuardDuty manage the EKS, ECS Fargate and EC2 agents when runtime monitoring is on, as configured', async () => {
    h = await startHarness({
      config: makeConfig({
        onboarding: { features: { runtimeMonitoring: true, runtimeMonitoringAgents: { ecsFargate: false } } },
      }),
    });

    const record = await onboard(h, makeControlTowerEvent({ accountId: MEMBER }));

    expect(record.status).toBe('SUCCEEDED');
    for (const region of REGIONS) {
      expect(await agentManagement(region)).toEqual({
        EKS_ADDON_MANAGEMENT: 'ENABLED',
        ECS_FARGATE_AGENT_MANAGEMENT: 'DISABLED',
        EC2_AGENT_MANAGEMENT: 'ENABLED',
      });
    }
  });
});
