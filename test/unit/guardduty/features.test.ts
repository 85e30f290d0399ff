import { parseConfig } from '../../../config/load';
import { desiredFeatures, featureChanges } from '../../../tasks/guardduty/features';
import exampleConfigJson from '../../../warden.config.json';

function config(features: object) {
  return parseConfig(
    { ...exampleConfigJson, onboarding: { ...exampleConfigJson.onboarding, features } },
    'test config',
  );
}

describe('desiredFeatures', () => {
  it('asks GuardDuty to manage every runtime monitoring agent by default when runtime monitoring is on', () => {
    const runtime = desiredFeatures(config({ runtimeMonitoring: true })).find(
      (f) => f.Name === 'RUNTIME_MONITORING',
    );
    expect(runtime).toEqual({
      Name: 'RUNTIME_MONITORING',
      Status: 'ENABLED',
      AdditionalConfiguration: [
        { Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' },
        { Name: 'ECS_FARGATE_AGENT_MANAGEMENT', Status: 'ENABLED' },
        { Name: 'EC2_AGENT_MANAGEMENT', Status: 'ENABLED' },
      ],
    });
  });

  it('says nothing about agents while runtime monitoring is off', () => {
    const runtime = desiredFeatures(config({})).find((f) => f.Name === 'RUNTIME_MONITORING');
    expect(runtime).toEqual({ Name: 'RUNTIME_MONITORING', Status: 'DISABLED' });
  });
});

describe('featureChanges', () => {
  it('finds a detector whose runtime monitoring is on but whose agents are not managed', () => {
    const wanted = config({ runtimeMonitoring: true, runtimeMonitoringAgents: { ec2: false } });
    const current = desiredFeatures(wanted).map((f) =>
      f.Name === 'RUNTIME_MONITORING' ? { Name: f.Name, Status: 'ENABLED' } : f,
    );
    expect(featureChanges(wanted, current).map((f) => f.Name)).toEqual(['RUNTIME_MONITORING']);
    expect(featureChanges(wanted, desiredFeatures(wanted))).toEqual([]);
  });
});
