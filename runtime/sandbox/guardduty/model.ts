import { createHash } from 'node:crypto';
import type { Finding } from '@aws-sdk/client-guardduty';
import { RELATIONSHIP_STATUSES } from '../../../tasks/guardduty/members';
import { AwsError } from '../aws-error';
import type { CallContext } from '../cloud';

/**
 * The state behind the sandbox's GuardDuty: detectors per account and region, the membership
 * records each administrator keeps, delegated administrators, organisation configuration, free
 * trial overrides and findings. Operations live in the sibling modules; they share this state.
 */

export { RELATIONSHIP_STATUSES };
export type RelationshipStatus = (typeof RELATIONSHIP_STATUSES)[number];

/** Statuses in which the member's findings and detector belong to the administrator. */
export const ASSOCIATED: ReadonlySet<RelationshipStatus> = new Set(['Enabled', 'Disabled']);

/** Features a caller may configure, with the additional configurations each accepts. */
export const CONFIGURABLE_FEATURES: Readonly<Record<string, readonly string[]>> = {
  S3_DATA_EVENTS: [],
  EKS_AUDIT_LOGS: [],
  EBS_MALWARE_PROTECTION: [],
  RDS_LOGIN_EVENTS: [],
  LAMBDA_NETWORK_LOGS: [],
  RUNTIME_MONITORING: ['EKS_ADDON_MANAGEMENT', 'ECS_FARGATE_AGENT_MANAGEMENT', 'EC2_AGENT_MANAGEMENT'],
  EKS_RUNTIME_MONITORING: ['EKS_ADDON_MANAGEMENT'],
};

/** Foundational sources GuardDuty always reports as enabled and never lets a caller change. */
export const FOUNDATIONAL_FEATURES = ['CLOUD_TRAIL', 'DNS_LOGS', 'FLOW_LOGS'] as const;

/** What a new detector has enabled: AWS turns on every data source except runtime monitoring. */
const DISABLED_BY_DEFAULT = new Set(['RUNTIME_MONITORING', 'EKS_RUNTIME_MONITORING']);

export const FREE_TRIAL_FEATURES = [
  'CLOUD_TRAIL',
  'DNS_LOGS',
  'FLOW_LOGS',
  'S3_DATA_EVENTS',
  'EKS_AUDIT_LOGS',
  'EBS_MALWARE_PROTECTION',
  'RDS_LOGIN_EVENTS',
  'LAMBDA_NETWORK_LOGS',
  'EKS_RUNTIME_MONITORING',
  'FARGATE_RUNTIME_MONITORING',
  'EC2_RUNTIME_MONITORING',
] as const;
export const FREE_TRIAL_DAYS = 30;

export const PUBLISHING_FREQUENCIES = new Set(['FIFTEEN_MINUTES', 'ONE_HOUR', 'SIX_HOURS']);
export const AUTO_ENABLE_VALUES = new Set(['NEW', 'ALL', 'NONE']);
export const FEATURE_STATUSES = new Set(['ENABLED', 'DISABLED']);

/**
 * Messages as GuardDuty words them, taken from its API reference and responses quoted in public
 * issues. The sandbox's own wording, where no AWS text was found: memberOfAnotherAdministrator,
 * notAMember, organizationMemberNotInvitable, organizationMemberCannotLeave, allMembersAutoEnabled,
 * otherDelegatedAdmin, destinationExists, destinationNotFound. Callers should match on the error
 * name or on the account in UnprocessedAccounts, never on these texts.
 */
export const MESSAGES = {
  invalidInput:
    'The request is rejected because an invalid or out-of-range value is specified as an input parameter.',
  detectorExists: 'The request is rejected because a detector already exists for the current account.',
  detectorNotOwned:
    'The request is rejected because the input detectorId is not owned by the current account.',
  memberOfItself: 'The request is rejected because an account cannot become a member of itself.',
  alreadyMember:
    'The request is rejected because the given account ID is already a member or associated member of the current account.',
  memberOfAnotherAdministrator:
    'The request is rejected because the given account ID is already an associated member of another administrator account.',
  callerIsMember:
    'The request is rejected because the current account cannot create members since it is already an associated member of another master account.',
  callerIsMemberInvite:
    'The request is rejected because the current account cannot invite other accounts since it is already an associated member of another master account.',
  notAMember: 'The request is rejected because the given account ID is not a member of the current account.',
  notAssociated:
    'The request is rejected because the given account ID is not an associated member of account the current account.',
  inviteItself: 'The request is rejected because the current account cannot invite itself.',
  alreadyInvited:
    'The request is rejected because the current account has already invited or is already the GuardDuty master of the given member account ID.',
  organizationMemberNotInvitable:
    'The request is rejected because the given account ID was added through AWS Organizations; add it again with CreateMembers instead of inviting it.',
  managementAccountWithoutDetector:
    'Operation failed because your organization master must first enable GuardDuty to be added as a member',
  noPendingInvitation:
    'The request is rejected because the current account has no pending invitation from the given master account ID or is already an associated member of another master account.',
  alreadyAssociated:
    'The request is rejected because the current account cannot accept invitations since it is already an associated member of some master account.',
  stillHasMembers:
    'The request is rejected because the current account cannot accept invitations since it still has created, invited or associated members.',
  notAssociatedWithAdministrator:
    'The request is rejected because the current account is not associated with a master account.',
  organizationMemberCannotLeave:
    'The request is rejected because the current account is a member of an AWS Organizations administrator and cannot disassociate itself.',
  allMembersAutoEnabled:
    'The request is rejected because the organization configuration auto-enables GuardDuty for ALL members; set AutoEnableOrganizationMembers to NEW or NONE first.',
  notOrganizationManagement:
    'The request failed because you do not have required AWS Organization master permission.',
  otherDelegatedAdmin:
    'The request is rejected because the organization already has a different GuardDuty delegated administrator account in this Region.',
  destinationExists:
    'The request is rejected because a publishing destination already exists for the given detector.',
  destinationNotFound:
    'The request is rejected because the input destinationId is not owned by the current account.',
} as const;

export function badRequest(message: string = MESSAGES.invalidInput): AwsError {
  return new AwsError('BadRequestException', message, 400);
}

export interface FeatureState {
  status: 'ENABLED' | 'DISABLED';
  updatedAt: number;
  additional: Map<string, { status: 'ENABLED' | 'DISABLED'; updatedAt: number }>;
}

export interface PublishingDestination {
  id: string;
  type: 'S3';
  destinationArn: string;
  kmsKeyArn: string;
  tags?: Record<string, string>;
}

export interface Detector {
  id: string;
  account: string;
  region: string;
  status: 'ENABLED' | 'DISABLED';
  frequency: string;
  createdAt: number;
  updatedAt: number;
  tags?: Record<string, string>;
  features: Map<string, FeatureState>;
  destinations: PublishingDestination[];
}

export interface Membership {
  admin: string;
  member: string;
  region: string;
  email?: string;
  status: RelationshipStatus;
  invitationId?: string;
  invitedAt?: number;
  updatedAt: number;
  /** Added by a delegated administrator for an organisation account: never invited, cannot resign. */
  viaOrganization: boolean;
  /** Administrator reads left that still report `Invited` after the member accepted. */
  lagReads: number;
}

export interface OrganizationConfig {
  autoEnableMembers: 'NEW' | 'ALL' | 'NONE';
  features: Map<string, { autoEnable: string; additional: Map<string, string> }>;
}

export interface StoredFinding {
  owner: string;
  region: string;
  finding: Finding;
}

export interface GuardDutyOptions {
  /** Clock for timestamps and free-trial days, in epoch milliseconds. @default Date.now */
  now?: () => number;
  /**
   * Administrator reads (GetMembers, ListMembers) that keep reporting a member as `Invited` after
   * it accepted, as AWS does for a short while. Counted in calls so tests stay deterministic.
   * @default 0
   */
  acceptLagCalls?: number;
  /** Whether `member` is in the same AWS Organization as `admin`. @default - no account is */
  isOrganizationAccount?: (adminAccount: string, memberAccount: string) => boolean;
  /** The organisation's management account; only it may designate the delegated administrator. */
  organizationManagementAccount?: string;
  /** The organisation, which designating the delegated administrator enables trusted access in. */
  organizations?: OrganizationRegistry;
}

export interface OrganizationRegistry {
  enableServiceAccess(servicePrincipal: string): void;
  registerDelegatedAdministrator(accountId: string, servicePrincipal: string): void;
  isDelegatedAdministrator(accountId: string, servicePrincipal: string): boolean;
}

export const GUARDDUTY_SERVICE_PRINCIPAL = 'guardduty.amazonaws.com';

export class GuardDutyState {
  readonly detectors = new Map<string, Detector>();
  readonly memberships = new Map<string, Membership>();
  /**
   * The same memberships by `member|region` and by `admin|region`, so that a lookup costs the
   * memberships it returns rather than every membership in the organisation (at 10,000 accounts
   * × 17 regions a scan per call makes set-up and the jobs quadratic).
   */
  private readonly byMember = new Map<string, Map<string, Membership>>();
  private readonly byAdmin = new Map<string, Map<string, Membership>>();
  /** region → delegated administrator account */
  readonly delegatedAdmins = new Map<string, string>();
  readonly organizationConfigs = new Map<string, OrganizationConfig>();
  /** `account|region|feature`, with `*` for any region or feature → days remaining */
  readonly freeTrialDays = new Map<string, number>();
  readonly findings: StoredFinding[] = [];
  acceptLagCalls: number;
  private sequence = 0;

  constructor(readonly options: GuardDutyOptions) {
    this.acceptLagCalls = options.acceptLagCalls ?? 0;
  }

  now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** A 32-hex-character id like GuardDuty's, deterministic for a repeatable sandbox. */
  nextId(...parts: string[]): string {
    this.sequence += 1;
    return createHash('md5')
      .update(`${parts.join('/')}/${this.sequence}`)
      .digest('hex');
  }

  detector(account: string, region: string): Detector | undefined {
    return this.detectors.get(`${account}|${region}`);
  }

  /** The caller's detector in the call's region, when `detectorId` names it. */
  ownDetector(ctx: CallContext, detectorId: unknown): Detector {
    const detector = this.detector(ctx.principal.account, ctx.region);
    if (typeof detectorId !== 'string' || detectorId.length === 0) throw badRequest();
    if (!detector || detector.id !== detectorId) throw badRequest(MESSAGES.detectorNotOwned);
    return detector;
  }

  createDetector(account: string, region: string, enable = true, frequency = 'SIX_HOURS'): Detector {
    const now = this.now();
    const features = new Map<string, FeatureState>();
    for (const [name, additionalNames] of Object.entries(CONFIGURABLE_FEATURES)) {
      const status = DISABLED_BY_DEFAULT.has(name) ? 'DISABLED' : 'ENABLED';
      const additional = new Map(
        additionalNames.map((a) => [a, { status: 'DISABLED' as const, updatedAt: now }]),
      );
      features.set(name, { status, updatedAt: now, additional });
    }
    const detector: Detector = {
      id: this.nextId('detector', account, region),
      account,
      region,
      status: enable ? 'ENABLED' : 'DISABLED',
      frequency,
      createdAt: now,
      updatedAt: now,
      features,
      destinations: [],
    };
    this.detectors.set(`${account}|${region}`, detector);
    return detector;
  }

  membership(admin: string, member: string, region: string): Membership | undefined {
    return this.memberships.get(`${admin}|${member}|${region}`);
  }

  putMembership(m: Membership): Membership {
    const key = `${m.admin}|${m.member}|${m.region}`;
    this.memberships.set(key, m);
    indexed(this.byMember, `${m.member}|${m.region}`).set(key, m);
    indexed(this.byAdmin, `${m.admin}|${m.region}`).set(key, m);
    return m;
  }

  deleteMembership(m: Membership): void {
    const key = `${m.admin}|${m.member}|${m.region}`;
    this.memberships.delete(key);
    this.byMember.get(`${m.member}|${m.region}`)?.delete(key);
    this.byAdmin.get(`${m.admin}|${m.region}`)?.delete(key);
  }

  /** The one administrator `member` is associated with in `region`, if any. */
  associationOf(member: string, region: string): Membership | undefined {
    for (const m of this.byMember.get(`${member}|${region}`)?.values() ?? []) {
      if (ASSOCIATED.has(m.status)) return m;
    }
    return undefined;
  }

  /** In the order the memberships were first created, as listing them pages through them. */
  membersOf(admin: string, region: string): Membership[] {
    return [...(this.byAdmin.get(`${admin}|${region}`)?.values() ?? [])];
  }

  invitationsFor(member: string, region: string): Membership[] {
    return [...(this.byMember.get(`${member}|${region}`)?.values() ?? [])].filter(
      (m) => m.status === 'Invited' && m.invitationId,
    );
  }

  isDelegatedAdmin(account: string, region: string): boolean {
    return this.delegatedAdmins.get(region) === account;
  }

  /** Organisation mode: the administrator is the delegated admin and the account is in its organisation. */
  isOrganizationMember(admin: string, member: string, region: string): boolean {
    return (
      this.isDelegatedAdmin(admin, region) && (this.options.isOrganizationAccount?.(admin, member) ?? false)
    );
  }

  organizationConfig(admin: string, region: string): OrganizationConfig {
    const key = `${admin}|${region}`;
    let config = this.organizationConfigs.get(key);
    if (!config) {
      config = { autoEnableMembers: 'NONE', features: new Map() };
      for (const [name, additional] of Object.entries(CONFIGURABLE_FEATURES)) {
        config.features.set(name, {
          autoEnable: 'NONE',
          additional: new Map(additional.map((a) => [a, 'NONE'])),
        });
      }
      this.organizationConfigs.set(key, config);
    }
    return config;
  }

  /** The status the administrator sees now; reading it uses up one read of accept lag. */
  observedStatus(m: Membership): RelationshipStatus {
    if (m.lagReads > 0) {
      m.lagReads -= 1;
      return 'Invited';
    }
    return m.status;
  }
}

export function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

export function checkAccountId(id: unknown): string {
  if (typeof id !== 'string' || !/^\d{12}$/.test(id)) throw badRequest();
  return id;
}

/** A batch of 1 to `max` items, each validated; GuardDuty rejects the whole call otherwise. */
export function checkBatch<T>(items: unknown, max = 50): T[] {
  if (!Array.isArray(items) || items.length < 1 || items.length > max) throw badRequest();
  return items as T[];
}

/** One page of `items`; the token is the offset, opaque to callers. */
export function paginate<T>(
  items: readonly T[],
  maxResults: unknown,
  nextToken: unknown,
  limit = 50,
): { page: T[]; nextToken?: string } {
  const size = maxResults === undefined ? limit : Number(maxResults);
  if (!Number.isInteger(size) || size < 1 || size > limit) throw badRequest();
  let start = 0;
  if (nextToken !== undefined && nextToken !== '') {
    start = Number(Buffer.from(String(nextToken), 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0 || start > items.length) throw badRequest();
  }
  const end = start + size;
  return {
    page: items.slice(start, end),
    nextToken: end < items.length ? Buffer.from(String(end), 'utf8').toString('base64url') : undefined,
  };
}

function indexed<V>(index: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let entries = index.get(key);
  if (!entries) {
    entries = new Map();
    index.set(key, entries);
  }
  return entries;
}
