import type { DetectorFeature, DetectorFeatureConfiguration } from '@aws-sdk/client-guardduty';
import type { FeatureName, WardenConfig } from '../../config/schema';

/** Warden's feature names (config) → GuardDuty's detector feature names. */
export const GUARDDUTY_FEATURE: Readonly<Record<FeatureName, DetectorFeature>> = {
  s3DataEvents: 'S3_DATA_EVENTS',
  eksAuditLogs: 'EKS_AUDIT_LOGS',
  runtimeMonitoring: 'RUNTIME_MONITORING',
  ebsMalwareProtection: 'EBS_MALWARE_PROTECTION',
  rdsLoginEvents: 'RDS_LOGIN_EVENTS',
  lambdaNetworkLogs: 'LAMBDA_NETWORK_LOGS',
};

/** Every configurable feature with the status config asks for, as CreateDetector/Update* take them. */
export function desiredFeatures(config: WardenConfig): DetectorFeatureConfiguration[] {
  return (Object.keys(GUARDDUTY_FEATURE) as FeatureName[]).map((name) => ({
    Name: GUARDDUTY_FEATURE[name],
    Status: config.onboarding.features[name] ? 'ENABLED' : 'DISABLED',
  }));
}

/** The features whose status differs from config; empty when the detector already matches. */
export function featureChanges(
  config: WardenConfig,
  current: readonly { Name?: string; Status?: string }[],
): DetectorFeatureConfiguration[] {
  const now = new Map(current.map((f) => [f.Name, f.Status]));
  return desiredFeatures(config).filter((f) => now.get(f.Name) !== f.Status);
}
