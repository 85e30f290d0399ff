import type { Finding } from '@aws-sdk/client-guardduty';
import type { Operation, SandboxCloud, SandboxService } from '../cloud';
import { DETECTOR_MUTATING, detectorOperations } from './detectors';
import { exportFinding } from './export-destination';
import { FINDING_MUTATING, findingOperations, storeFinding } from './findings';
import { MEMBERSHIP_MUTATING, membershipOperations } from './membership';
import { ASSOCIATED, type GuardDutyOptions, GuardDutyState, type RelationshipStatus } from './model';

export type { GuardDutyOptions, RelationshipStatus } from './model';
export { MESSAGES as GUARDDUTY_MESSAGES, RELATIONSHIP_STATUSES } from './model';

/**
 * The GuardDuty part of the sandbox cloud, per account and region: detectors and their features,
 * publishing destinations, the administrator–member state machine (invitation and organisation
 * modes, with optional accept lag), member detector features, free-trial days and findings.
 *
 * Setup helpers change state directly (no call is recorded), so a test can start from any
 * situation: `setRelationship(admin, member, region, 'EmailVerificationFailed')`.
 */
export class GuardDutySandbox implements SandboxService {
  readonly name = 'guardduty';
  readonly operations: Readonly<Record<string, Operation>>;
  readonly mutating: ReadonlySet<string> = new Set([
    ...DETECTOR_MUTATING,
    ...MEMBERSHIP_MUTATING,
    ...FINDING_MUTATING,
  ]);
  private readonly state: GuardDutyState;

  constructor(options: GuardDutyOptions = {}) {
    this.state = new GuardDutyState(options);
    this.operations = {
      ...detectorOperations(this.state),
      ...membershipOperations(this.state),
      ...findingOperations(this.state),
    };
  }

  /** Reads that report `Invited` after an accept; changes apply to accepts from now on. */
  get acceptLagCalls(): number {
    return this.state.acceptLagCalls;
  }

  set acceptLagCalls(calls: number) {
    if (!Number.isInteger(calls) || calls < 0)
      throw new RangeError(`acceptLagCalls must be 0 or more, got ${calls}`);
    this.state.acceptLagCalls = calls;
  }

  /** The account's detector id in the region, creating an enabled detector when there is none. */
  ensureDetector(account: string, region: string, options: { enable?: boolean } = {}): string {
    return (
      this.state.detector(account, region) ??
      this.state.createDetector(account, region, options.enable ?? true)
    ).id;
  }

  detectorId(account: string, region: string): string | undefined {
    return this.state.detector(account, region)?.id;
  }

  /** The status the administrator's record holds (without using up accept lag). */
  relationship(admin: string, member: string, region: string): RelationshipStatus | undefined {
    return this.state.membership(admin, member, region)?.status;
  }

  /**
   * Puts the (admin, member, region) record straight into `status`, creating detectors as needed.
   * `Invited` comes with a pending invitation; an associated status (Enabled, Disabled) is refused
   * while the member is associated with another administrator, as AWS allows only one.
   */
  setRelationship(
    admin: string,
    member: string,
    region: string,
    status: RelationshipStatus,
    options: { email?: string; viaOrganization?: boolean } = {},
  ): void {
    const other = this.state.associationOf(member, region);
    if (ASSOCIATED.has(status) && other && other.admin !== admin) {
      throw new Error(`${member} is already associated with administrator ${other.admin} in ${region}`);
    }
    this.ensureDetector(admin, region);
    if (ASSOCIATED.has(status) || status === 'Invited') this.ensureDetector(member, region);
    const now = this.state.now();
    const existing = this.state.membership(admin, member, region);
    const invited = status !== 'Created';
    this.state.putMembership({
      admin,
      member,
      region,
      email: options.email ?? existing?.email ?? `${member}@example.com`,
      status,
      invitationId:
        status === 'Invited' || ASSOCIATED.has(status)
          ? (existing?.invitationId ?? this.state.nextId('invitation', admin, member, region))
          : existing?.invitationId,
      invitedAt: invited && !options.viaOrganization ? (existing?.invitedAt ?? now) : undefined,
      updatedAt: now,
      viaOrganization: options.viaOrganization ?? existing?.viaOrganization ?? false,
      lagReads: 0,
    });
  }

  /** Makes `member` an associated (Enabled) member of `otherAdmin` in `region`. */
  joinOtherAdministrator(member: string, otherAdmin: string, region: string): void {
    this.setRelationship(otherAdmin, member, region, 'Enabled');
  }

  /** Designates the delegated administrator without a call from the management account. */
  setOrganizationAdmin(admin: string, region: string): void {
    this.state.delegatedAdmins.set(region, admin);
    this.ensureDetector(admin, region);
  }

  /** Sets a feature of the account's detector in the region (arranging a fleet without calls). */
  setFeatureStatus(account: string, region: string, feature: string, status: 'ENABLED' | 'DISABLED'): void {
    const state = this.state.detector(account, region)?.features.get(feature);
    if (!state) throw new Error(`no detector with feature ${feature} for ${account} in ${region}`);
    state.status = status;
    state.updatedAt = this.state.now();
  }

  /**
   * Overrides remaining free-trial days. Without `region` it applies in every region, without
   * `feature` to every feature; the most specific override wins.
   * @default - 30 days minus whole days since the detector was created
   */
  setFreeTrialDays(setting: { account: string; days: number; region?: string; feature?: string }): void {
    if (!Number.isInteger(setting.days) || setting.days < 0) {
      throw new RangeError(`free-trial days must be 0 or more, got ${setting.days}`);
    }
    this.state.freeTrialDays.set(
      `${setting.account}|${setting.region ?? '*'}|${setting.feature ?? '*'}`,
      setting.days,
    );
  }

  /**
   * Stores a finding owned by `account` in `region`, filling in what GuardDuty would (id, ARN,
   * timestamps, service fields). Its administrator's detector sees it too. Returns the finding.
   */
  addFinding(account: string, region: string, finding: Partial<Finding> = {}): Finding {
    return storeFinding(this.state, account, region, finding);
  }

  /**
   * GuardDuty's findings export of a finding generated in `account` and `region` (given as the
   * finding JSON of its EventBridge event): to the destinations of the account's own detector
   * and of its administrator's detector there (see export-destination.ts).
   */
  async exportFinding(
    cloud: SandboxCloud,
    account: string,
    region: string,
    finding: { id: string; json: Record<string, unknown> },
  ): Promise<{ bucket: string; key: string }[]> {
    const detectors = [this.state.detector(account, region)];
    const association = this.state.associationOf(account, region);
    if (association && ASSOCIATED.has(association.status))
      detectors.push(this.state.detector(association.admin, region));
    const out: { bucket: string; key: string }[] = [];
    for (const detector of detectors) {
      if (!detector) continue;
      out.push(...(await exportFinding({ cloud }, detector, { ...finding, account, region })));
    }
    return out;
  }
}
