import type {
  DetectorFeature,
  DetectorFeatureConfiguration,
  FeatureAdditionalConfiguration,
} from '@aws-sdk/client-guardduty';
import type { FeatureName, RuntimeMonitoringAgent, WardenConfig } from '../../config/schema';

/** Warden's feature names (config) → GuardDuty's detector feature names. */
export const GUARDDUTY_FEATURE: Readonly<Record<FeatureName, DetectorFeature>> = {
  s3DataEvents: 'S3_DATA_EVENTS',
  eksAuditLogs: 'EKS_AUDIT_LOGS',
  runtimeMonitoring: 'RUNTIME_MONITORING',
  ebsMalwareProtection: 'EBS_MALWARE_PROTECTION',
  rdsLoginEvents: 'RDS_LOGIN_EVENTS',
  lambdaNetworkLogs: 'LAMBDA_NETWORK_LOGS',
};

/**
 * Runtime Monitoring's agent management, per resource type: without it GuardDuty installs no
 * security agent and runtime monitoring sees nothing
 * (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_DetectorAdditionalConfiguration.html,
 * https://docs.aws.amazon.com/guardduty/latest/ug/eks-runtime-monitoring-configuration-standalone-acc.html).
 */
export const RUNTIME_MONITORING_AGENTS: Readonly<
  Record<RuntimeMonitoringAgent, FeatureAdditionalConfiguration>
> = {
  eks: 'EKS_ADDON_MANAGEMENT',
  ecsFargate: 'ECS_FARGATE_AGENT_MANAGEMENT',
  ec2: 'EC2_AGENT_MANAGEMENT',
};

/**
 * Every configurable feature with the status config asks for, as CreateDetector/Update* take them;
 * runtime monitoring, when on, with the agent management config asks for.
 */
export function desiredFeatures(config: WardenConfig): DetectorFeatureConfiguration[] {
  const wanted = config.onboarding.features;
  return (Object.keys(GUARDDUTY_FEATURE) as FeatureName[]).map((name) => {
    const feature: DetectorFeatureConfiguration = {
      Name: GUARDDUTY_FEATURE[name],
      Status: wanted[name] ? 'ENABLED' : 'DISABLED',
    };
    if (name === 'runtimeMonitoring' && wanted.runtimeMonitoring) {
      feature.AdditionalConfiguration = (
        Object.keys(RUNTIME_MONITORING_AGENTS) as RuntimeMonitoringAgent[]
      ).map((agent) => ({
        Name: RUNTIME_MONITORING_AGENTS[agent],
        Status: wanted.runtimeMonitoringAgents[agent] ? 'ENABLED' : 'DISABLED',
      }));
    }
    return feature;
  });
}

/** A detector's feature as GuardDuty reports it (GetDetector, GetMemberDetectors). */
export interface ReportedFeature {
  Name?: string;
  Status?: string;
  AdditionalConfiguration?: readonly { Name?: string; Status?: string }[];
}

/**
 * The features whose status, or whose agent management, differs from config; empty when the
 * detector already matches.
 */
export function featureChanges(
  config: WardenConfig,
  current: readonly ReportedFeature[],
): DetectorFeatureConfiguration[] {
  const now = new Map(current.map((f) => [f.Name, f]));
  return desiredFeatures(config).filter((f) => {
    const reported = now.get(f.Name);
    if (!reported || reported.Status !== f.Status) return true;
    const additional = new Map((reported.AdditionalConfiguration ?? []).map((a) => [a.Name, a.Status]));
    return (f.AdditionalConfiguration ?? []).some((a) => additional.get(a.Name) !== a.Status);
  });
}
