import type {
  CreateDetectorRequest,
  CreateDetectorResponse,
  CreatePublishingDestinationRequest,
  CreatePublishingDestinationResponse,
  DataSourceConfigurations,
  DataSourceConfigurationsResult,
  DeleteDetectorRequest,
  DeletePublishingDestinationRequest,
  DescribePublishingDestinationRequest,
  DescribePublishingDestinationResponse,
  DetectorFeatureConfiguration,
  DetectorFeatureConfigurationResult,
  GetDetectorRequest,
  GetDetectorResponse,
  GetMemberDetectorsRequest,
  GetMemberDetectorsResponse,
  GetRemainingFreeTrialDaysRequest,
  GetRemainingFreeTrialDaysResponse,
  ListDetectorsRequest,
  ListDetectorsResponse,
  ListPublishingDestinationsRequest,
  ListPublishingDestinationsResponse,
  UnprocessedAccount,
  UpdateDetectorRequest,
  UpdateMemberDetectorsRequest,
  UpdateMemberDetectorsResponse,
} from '@aws-sdk/client-guardduty';
import type { CallContext, Operation } from '../cloud';
import { checkExportDestination } from './export-destination';
import {
  ASSOCIATED,
  badRequest,
  CONFIGURABLE_FEATURES,
  checkAccountId,
  checkBatch,
  type Detector,
  FEATURE_STATUSES,
  FOUNDATIONAL_FEATURES,
  FREE_TRIAL_DAYS,
  FREE_TRIAL_FEATURES,
  type GuardDutyState,
  iso,
  MESSAGES,
  PUBLISHING_FREQUENCIES,
  paginate,
} from './model';
import { ensureGuardDutyServiceLinkedRole } from './service-linked-role';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface FeatureChange {
  name: string;
  status?: 'ENABLED' | 'DISABLED';
  additional: { name: string; status: 'ENABLED' | 'DISABLED' }[];
}

/** Validates every feature before any is applied, so a bad request changes nothing. */
export function parseFeatures(features: DetectorFeatureConfiguration[] | undefined): FeatureChange[] {
  if (features === undefined) return [];
  if (!Array.isArray(features)) throw badRequest();
  return features.map((f) => {
    const allowed = f.Name ? CONFIGURABLE_FEATURES[f.Name] : undefined;
    if (!allowed) throw badRequest();
    if (f.Status !== undefined && !FEATURE_STATUSES.has(f.Status)) throw badRequest();
    const additional = (f.AdditionalConfiguration ?? []).map((a) => {
      if (!a.Name || !allowed.includes(a.Name) || !a.Status || !FEATURE_STATUSES.has(a.Status))
        throw badRequest();
      return { name: a.Name, status: a.Status as 'ENABLED' | 'DISABLED' };
    });
    return { name: f.Name!, status: f.Status as FeatureChange['status'], additional };
  });
}

/** The older `DataSources` shape, for callers that still send it. */
export function dataSourceChanges(sources: DataSourceConfigurations | undefined): FeatureChange[] {
  if (!sources) return [];
  const status = (enable: boolean | undefined) => (enable ? 'ENABLED' : 'DISABLED') as 'ENABLED' | 'DISABLED';
  const changes: FeatureChange[] = [];
  if (sources.S3Logs)
    changes.push({ name: 'S3_DATA_EVENTS', status: status(sources.S3Logs.Enable), additional: [] });
  if (sources.Kubernetes?.AuditLogs) {
    changes.push({
      name: 'EKS_AUDIT_LOGS',
      status: status(sources.Kubernetes.AuditLogs.Enable),
      additional: [],
    });
  }
  const ebs = sources.MalwareProtection?.ScanEc2InstanceWithFindings?.EbsVolumes;
  if (ebs !== undefined)
    changes.push({ name: 'EBS_MALWARE_PROTECTION', status: status(ebs), additional: [] });
  return changes;
}

export function applyFeatures(detector: Detector, changes: FeatureChange[], now: number): void {
  for (const change of changes) {
    const feature = detector.features.get(change.name)!;
    if (change.status && change.status !== feature.status) {
      feature.status = change.status;
      feature.updatedAt = now;
    }
    for (const a of change.additional) {
      const current = feature.additional.get(a.name)!;
      if (current.status !== a.status) feature.additional.set(a.name, { status: a.status, updatedAt: now });
    }
  }
  if (changes.length > 0) detector.updatedAt = now;
}

export function featureResults(detector: Detector): DetectorFeatureConfigurationResult[] {
  const foundational = FOUNDATIONAL_FEATURES.map((name) => ({
    Name: name,
    Status: 'ENABLED' as const,
    UpdatedAt: new Date(detector.createdAt),
  }));
  const configurable = [...detector.features].map(([name, f]) => ({
    Name: name as DetectorFeatureConfigurationResult['Name'],
    Status: f.status,
    UpdatedAt: new Date(f.updatedAt),
    ...(f.additional.size > 0 && {
      AdditionalConfiguration: [...f.additional].map(([aName, a]) => ({
        Name: aName as 'EKS_ADDON_MANAGEMENT',
        Status: a.status,
        UpdatedAt: new Date(a.updatedAt),
      })),
    }),
  }));
  return [...foundational, ...configurable];
}

export function dataSourcesView(detector: Detector): DataSourceConfigurationsResult {
  const status = (name: string) => detector.features.get(name)!.status;
  return {
    CloudTrail: { Status: 'ENABLED' },
    DNSLogs: { Status: 'ENABLED' },
    FlowLogs: { Status: 'ENABLED' },
    S3Logs: { Status: status('S3_DATA_EVENTS') },
    Kubernetes: { AuditLogs: { Status: status('EKS_AUDIT_LOGS') } },
    MalwareProtection: {
      ScanEc2InstanceWithFindings: { EbsVolumes: { Status: status('EBS_MALWARE_PROTECTION') } },
      ServiceRole: serviceRole(detector.account),
    },
  };
}

function serviceRole(account: string): string {
  return `arn:aws:iam::${account}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty`;
}

function checkFrequency(frequency: unknown): void {
  if (frequency !== undefined && !PUBLISHING_FREQUENCIES.has(String(frequency))) throw badRequest();
}

/** Accounts the caller may see detectors of: itself and its associated members. */
function canManage(state: GuardDutyState, ctx: CallContext, account: string): boolean {
  if (account === ctx.principal.account) return true;
  const m = state.membership(ctx.principal.account, account, ctx.region);
  return m !== undefined && ASSOCIATED.has(m.status);
}

export function remainingFreeTrialDays(state: GuardDutyState, detector: Detector, feature: string): number {
  const { account, region } = detector;
  for (const key of [
    `${account}|${region}|${feature}`,
    `${account}|${region}|*`,
    `${account}|*|${feature}`,
    `${account}|*|*`,
  ]) {
    const days = state.freeTrialDays.get(key);
    if (days !== undefined) return days;
  }
  const elapsed = Math.floor((state.now() - detector.createdAt) / DAY_MS);
  return Math.max(0, FREE_TRIAL_DAYS - elapsed);
}

export function detectorOperations(state: GuardDutyState): Record<string, Operation> {
  return {
    async CreateDetector(input: CreateDetectorRequest, ctx): Promise<CreateDetectorResponse> {
      if (typeof input.Enable !== 'boolean') throw badRequest();
      checkFrequency(input.FindingPublishingFrequency);
      const changes = [...dataSourceChanges(input.DataSources), ...parseFeatures(input.Features)];
      if (state.detector(ctx.principal.account, ctx.region)) throw badRequest(MESSAGES.detectorExists);
      await ensureGuardDutyServiceLinkedRole(ctx, ctx.principal.account);
      // Checked again after the wait: of two concurrent CreateDetector calls, one creates the detector.
      if (state.detector(ctx.principal.account, ctx.region)) throw badRequest(MESSAGES.detectorExists);
      const detector = state.createDetector(
        ctx.principal.account,
        ctx.region,
        input.Enable,
        input.FindingPublishingFrequency,
      );
      detector.tags = input.Tags;
      applyFeatures(detector, changes, detector.createdAt);
      return { DetectorId: detector.id, UnprocessedDataSources: {} };
    },

    ListDetectors(input: ListDetectorsRequest, ctx): ListDetectorsResponse {
      const detector = state.detector(ctx.principal.account, ctx.region);
      const { page, nextToken } = paginate(detector ? [detector.id] : [], input.MaxResults, input.NextToken);
      return { DetectorIds: page, NextToken: nextToken };
    },

    GetDetector(input: GetDetectorRequest, ctx): GetDetectorResponse {
      const detector = state.ownDetector(ctx, input.DetectorId);
      return {
        CreatedAt: iso(detector.createdAt),
        UpdatedAt: iso(detector.updatedAt),
        FindingPublishingFrequency: detector.frequency as GetDetectorResponse['FindingPublishingFrequency'],
        ServiceRole: serviceRole(detector.account),
        Status: detector.status,
        DataSources: dataSourcesView(detector),
        Features: featureResults(detector),
        Tags: detector.tags ?? {},
      };
    },

    UpdateDetector(input: UpdateDetectorRequest, ctx): Record<string, never> {
      const detector = state.ownDetector(ctx, input.DetectorId);
      checkFrequency(input.FindingPublishingFrequency);
      const changes = [...dataSourceChanges(input.DataSources), ...parseFeatures(input.Features)];
      const now = state.now();
      if (input.Enable !== undefined) {
        detector.status = input.Enable ? 'ENABLED' : 'DISABLED';
        // A suspended member shows as Disabled to its administrator, and Enabled again on resume.
        const association = state.associationOf(detector.account, detector.region);
        if (association) {
          association.status = input.Enable ? 'Enabled' : 'Disabled';
          association.updatedAt = now;
        }
      }
      if (input.FindingPublishingFrequency) detector.frequency = input.FindingPublishingFrequency;
      applyFeatures(detector, changes, now);
      detector.updatedAt = now;
      return {};
    },

    DeleteDetector(input: DeleteDetectorRequest, ctx): Record<string, never> {
      const detector = state.ownDetector(ctx, input.DetectorId);
      // An administrator's member list goes with its detector; a member that deletes its own
      // detector has left its administrator.
      for (const m of state.membersOf(detector.account, detector.region)) state.deleteMembership(m);
      const association = state.associationOf(detector.account, detector.region);
      if (association) {
        association.status = 'Resigned';
        association.updatedAt = state.now();
      }
      state.detectors.delete(`${detector.account}|${detector.region}`);
      return {};
    },

    async CreatePublishingDestination(
      input: CreatePublishingDestinationRequest,
      ctx,
    ): Promise<CreatePublishingDestinationResponse> {
      const detector = state.ownDetector(ctx, input.DetectorId);
      const props = input.DestinationProperties;
      if (input.DestinationType !== 'S3' || !props) throw badRequest();
      if (
        !props.DestinationArn ||
        !/^arn:aws[a-z-]*:s3:::[a-z0-9.-]{3,63}(\/.*)?$/.test(props.DestinationArn)
      ) {
        throw badRequest();
      }
      if (!props.KmsKeyArn || !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/.test(props.KmsKeyArn))
        throw badRequest();
      if (detector.destinations.length > 0) throw badRequest(MESSAGES.destinationExists);
      await checkExportDestination(ctx, detector, props.DestinationArn, props.KmsKeyArn);
      const destination = {
        id: state.nextId('destination', detector.id),
        type: 'S3' as const,
        destinationArn: props.DestinationArn,
        kmsKeyArn: props.KmsKeyArn,
        tags: input.Tags,
      };
      detector.destinations.push(destination);
      return { DestinationId: destination.id };
    },

    ListPublishingDestinations(
      input: ListPublishingDestinationsRequest,
      ctx,
    ): ListPublishingDestinationsResponse {
      const detector = state.ownDetector(ctx, input.DetectorId);
      const { page, nextToken } = paginate(detector.destinations, input.MaxResults, input.NextToken);
      return {
        Destinations: page.map((d) => ({
          DestinationId: d.id,
          DestinationType: d.type,
          Status: 'PUBLISHING',
        })),
        NextToken: nextToken,
      };
    },

    DescribePublishingDestination(
      input: DescribePublishingDestinationRequest,
      ctx,
    ): DescribePublishingDestinationResponse {
      const detector = state.ownDetector(ctx, input.DetectorId);
      const d = detector.destinations.find((x) => x.id === input.DestinationId);
      if (!d) throw badRequest(MESSAGES.destinationNotFound);
      return {
        DestinationId: d.id,
        DestinationType: d.type,
        Status: 'PUBLISHING',
        PublishingFailureStartTimestamp: undefined,
        DestinationProperties: { DestinationArn: d.destinationArn, KmsKeyArn: d.kmsKeyArn },
        Tags: d.tags ?? {},
      };
    },

    DeletePublishingDestination(input: DeletePublishingDestinationRequest, ctx): Record<string, never> {
      const detector = state.ownDetector(ctx, input.DetectorId);
      const index = detector.destinations.findIndex((x) => x.id === input.DestinationId);
      if (index < 0) throw badRequest(MESSAGES.destinationNotFound);
      detector.destinations.splice(index, 1);
      return {};
    },

    UpdateMemberDetectors(input: UpdateMemberDetectorsRequest, ctx): UpdateMemberDetectorsResponse {
      state.ownDetector(ctx, input.DetectorId);
      const accounts = checkBatch<string>(input.AccountIds).map(checkAccountId);
      const changes = [...dataSourceChanges(input.DataSources), ...parseFeatures(input.Features)];
      const unprocessed: UnprocessedAccount[] = [];
      const now = state.now();
      for (const account of accounts) {
        const detector = state.detector(account, ctx.region);
        if (account === ctx.principal.account || !canManage(state, ctx, account) || !detector) {
          unprocessed.push({ AccountId: account, Result: MESSAGES.notAssociated });
          continue;
        }
        applyFeatures(detector, changes, now);
      }
      return { UnprocessedAccounts: unprocessed };
    },

    GetMemberDetectors(input: GetMemberDetectorsRequest, ctx): GetMemberDetectorsResponse {
      state.ownDetector(ctx, input.DetectorId);
      const accounts = checkBatch<string>(input.AccountIds).map(checkAccountId);
      const configurations: GetMemberDetectorsResponse['MemberDataSourceConfigurations'] = [];
      const unprocessed: UnprocessedAccount[] = [];
      for (const account of accounts) {
        const detector = state.detector(account, ctx.region);
        if (account === ctx.principal.account || !canManage(state, ctx, account) || !detector) {
          unprocessed.push({ AccountId: account, Result: MESSAGES.notAssociated });
          continue;
        }
        configurations.push({
          AccountId: account,
          DataSources: dataSourcesView(detector),
          Features: featureResults(detector)
            .filter((f) => !(FOUNDATIONAL_FEATURES as readonly string[]).includes(f.Name!))
            .map((f) => ({ ...f, Name: f.Name as 'S3_DATA_EVENTS' })),
        });
      }
      return { MemberDataSourceConfigurations: configurations, UnprocessedAccounts: unprocessed };
    },

    GetRemainingFreeTrialDays(
      input: GetRemainingFreeTrialDaysRequest,
      ctx,
    ): GetRemainingFreeTrialDaysResponse {
      state.ownDetector(ctx, input.DetectorId);
      const accounts = checkBatch<string>(input.AccountIds).map(checkAccountId);
      const result: GetRemainingFreeTrialDaysResponse = { Accounts: [], UnprocessedAccounts: [] };
      for (const account of accounts) {
        const detector = state.detector(account, ctx.region);
        if (!canManage(state, ctx, account) || !detector) {
          result.UnprocessedAccounts!.push({ AccountId: account, Result: MESSAGES.notAssociated });
          continue;
        }
        result.Accounts!.push({
          AccountId: account,
          Features: FREE_TRIAL_FEATURES.map((name) => ({
            Name: name,
            FreeTrialDaysRemaining: remainingFreeTrialDays(state, detector, name),
          })),
        });
      }
      return result;
    },
  };
}

export const DETECTOR_MUTATING = [
  'CreateDetector',
  'UpdateDetector',
  'DeleteDetector',
  'CreatePublishingDestination',
  'DeletePublishingDestination',
  'UpdateMemberDetectors',
];
