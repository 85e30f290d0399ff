import type {
  AcceptAdministratorInvitationRequest,
  AcceptInvitationRequest,
  AccountDetail,
  CreateMembersRequest,
  CreateMembersResponse,
  DeclineInvitationsRequest,
  DeclineInvitationsResponse,
  DeleteMembersRequest,
  DeleteMembersResponse,
  DescribeOrganizationConfigurationRequest,
  DescribeOrganizationConfigurationResponse,
  DisassociateFromAdministratorAccountRequest,
  DisassociateMembersRequest,
  DisassociateMembersResponse,
  EnableOrganizationAdminAccountRequest,
  GetAdministratorAccountRequest,
  GetAdministratorAccountResponse,
  GetMembersRequest,
  GetMembersResponse,
  InviteMembersRequest,
  InviteMembersResponse,
  ListInvitationsRequest,
  ListInvitationsResponse,
  ListMembersRequest,
  ListMembersResponse,
  ListOrganizationAdminAccountsRequest,
  ListOrganizationAdminAccountsResponse,
  Member,
  UnprocessedAccount,
  UpdateOrganizationConfigurationRequest,
} from '@aws-sdk/client-guardduty';
import type { CallContext, Operation } from '../cloud';
import { applyFeatures, type FeatureChange } from './detectors';
import {
  ASSOCIATED,
  AUTO_ENABLE_VALUES,
  badRequest,
  CONFIGURABLE_FEATURES,
  checkAccountId,
  checkBatch,
  GUARDDUTY_SERVICE_PRINCIPAL,
  type GuardDutyState,
  iso,
  MESSAGES,
  type Membership,
  type OrganizationConfig,
  paginate,
} from './model';
import { createdByGuardDuty } from './service-linked-role';

/**
 * The membership state machine, kept per (administrator, member, region):
 *
 *   CreateMembers → Created ─InviteMembers→ Invited ─Accept→ Enabled ⇄ Disabled (member suspends)
 *   Enabled/Disabled ─DisassociateMembers→ Removed; ─DisassociateFromAdministratorAccount→ Resigned
 *   Removed/Resigned ─InviteMembers→ Invited (invitation mode only)
 *   organisation mode: CreateMembers → Enabled, no invitation
 *
 * A member is associated (Enabled or Disabled) with at most one administrator per region.
 * EmailVerificationInProgress and EmailVerificationFailed are reached through the setup helpers.
 */

function memberView(state: GuardDutyState, m: Membership, status = state.observedStatus(m)): Member {
  return {
    AccountId: m.member,
    DetectorId: state.detector(m.member, m.region)?.id,
    MasterId: m.admin,
    AdministratorId: m.admin,
    Email: m.email,
    RelationshipStatus: status,
    InvitedAt: iso(m.invitedAt),
    UpdatedAt: iso(m.updatedAt),
  };
}

/** Applies the organisation's auto-enable feature settings to a member's detector. */
function applyOrganizationFeatures(
  state: GuardDutyState,
  config: OrganizationConfig,
  member: string,
  region: string,
) {
  const detector = state.detector(member, region);
  if (!detector) return;
  const changes: FeatureChange[] = [];
  for (const [name, f] of config.features) {
    const additional = [...f.additional]
      .filter(([, autoEnable]) => autoEnable !== 'NONE')
      .map(([aName]) => ({ name: aName, status: 'ENABLED' as const }));
    if (f.autoEnable !== 'NONE' || additional.length > 0) {
      changes.push({ name, status: f.autoEnable !== 'NONE' ? 'ENABLED' : undefined, additional });
    }
  }
  applyFeatures(detector, changes, state.now());
}

function requireDelegatedAdmin(state: GuardDutyState, ctx: CallContext): void {
  if (!state.isDelegatedAdmin(ctx.principal.account, ctx.region))
    throw badRequest(MESSAGES.notOrganizationManagement);
}

/** Rejects removing organisation members while the organisation auto-enables every member. */
function guardAllAutoEnabled(state: GuardDutyState, ctx: CallContext, m: Membership): void {
  if (!m.viaOrganization || !state.isDelegatedAdmin(ctx.principal.account, ctx.region)) return;
  if (state.organizationConfig(ctx.principal.account, ctx.region).autoEnableMembers === 'ALL') {
    throw badRequest(MESSAGES.allMembersAutoEnabled);
  }
}

export function membershipOperations(state: GuardDutyState): Record<string, Operation> {
  const accept = (ctx: CallContext, detectorId: unknown, admin: unknown, invitationId: unknown) => {
    state.ownDetector(ctx, detectorId);
    const administrator = checkAccountId(admin);
    if (typeof invitationId !== 'string' || invitationId.length === 0) throw badRequest();
    const member = ctx.principal.account;
    const current = state.associationOf(member, ctx.region);
    if (current && current.admin !== administrator) throw badRequest(MESSAGES.alreadyAssociated);
    const m = state.membership(administrator, member, ctx.region);
    if (m?.status !== 'Invited' || m.invitationId !== invitationId)
      throw badRequest(MESSAGES.noPendingInvitation);
    if (state.membersOf(member, ctx.region).some((x) => x.status !== 'Removed' && x.status !== 'Resigned')) {
      throw badRequest(MESSAGES.stillHasMembers);
    }
    const memberDetector = state.detector(member, ctx.region)!;
    m.status = memberDetector.status === 'ENABLED' ? 'Enabled' : 'Disabled';
    m.updatedAt = state.now();
    m.lagReads = state.acceptLagCalls;
    return {};
  };

  const administratorOf = (input: GetAdministratorAccountRequest, ctx: CallContext) => {
    state.ownDetector(ctx, input.DetectorId);
    const m = state.associationOf(ctx.principal.account, ctx.region);
    if (!m) return {};
    return {
      AccountId: m.admin,
      InvitationId: m.invitationId,
      RelationshipStatus: m.status,
      InvitedAt: iso(m.invitedAt),
    };
  };

  /**
   * DisassociateMembers and DeleteMembers: the whole batch is refused while the organisation
   * auto-enables every member and one of them is an organisation member; otherwise `remove` is done
   * to each member, and an account that is not one is reported unprocessed.
   */
  const removeMembers = (
    input: { DetectorId?: string; AccountIds?: string[] },
    ctx: CallContext,
    remove: (m: Membership) => void,
  ): { UnprocessedAccounts: UnprocessedAccount[] } => {
    state.ownDetector(ctx, input.DetectorId);
    const accounts = checkBatch<string>(input.AccountIds).map(checkAccountId);
    const found = accounts.map((a) => state.membership(ctx.principal.account, a, ctx.region));
    for (const m of found) if (m) guardAllAutoEnabled(state, ctx, m);
    const unprocessed: UnprocessedAccount[] = [];
    accounts.forEach((account, i) => {
      const m = found[i];
      if (m) remove(m);
      else unprocessed.push({ AccountId: account, Result: MESSAGES.notAMember });
    });
    return { UnprocessedAccounts: unprocessed };
  };

  const leave = (input: DisassociateFromAdministratorAccountRequest, ctx: CallContext) => {
    state.ownDetector(ctx, input.DetectorId);
    const m = state.associationOf(ctx.principal.account, ctx.region);
    if (!m) throw badRequest(MESSAGES.notAssociatedWithAdministrator);
    if (m.viaOrganization) throw badRequest(MESSAGES.organizationMemberCannotLeave);
    m.status = 'Resigned';
    m.updatedAt = state.now();
    m.lagReads = 0;
    return {};
  };

  return {
    CreateMembers(input: CreateMembersRequest, ctx): CreateMembersResponse {
      state.ownDetector(ctx, input.DetectorId);
      const admin = ctx.principal.account;
      const details = checkBatch<AccountDetail>(input.AccountDetails);
      for (const d of details) checkAccountId(d?.AccountId);
      const unprocessed: UnprocessedAccount[] = [];
      const now = state.now();
      for (const { AccountId: member, Email: email } of details) {
        const reject = (result: string) => unprocessed.push({ AccountId: member!, Result: result });
        const organization = state.isOrganizationMember(admin, member!, ctx.region);
        if (member === admin) {
          reject(MESSAGES.memberOfItself);
          continue;
        }
        if (state.associationOf(admin, ctx.region)) {
          reject(MESSAGES.callerIsMember);
          continue;
        }
        const existing = state.membership(admin, member!, ctx.region);
        const elsewhere = state.associationOf(member!, ctx.region);
        if (elsewhere && elsewhere.admin !== admin) {
          reject(MESSAGES.memberOfAnotherAdministrator);
          continue;
        }
        if (!organization) {
          if (existing) reject(MESSAGES.alreadyMember);
          else if (!email) reject(MESSAGES.invalidInput);
          else
            state.putMembership({
              admin,
              member: member!,
              region: ctx.region,
              email,
              status: 'Created',
              updatedAt: now,
              viaOrganization: false,
              lagReads: 0,
            });
          continue;
        }
        // Organisation mode: the delegated administrator enables GuardDuty in the member itself,
        // except in the management account, which must have enabled it first.
        if (!state.detector(member!, ctx.region)) {
          if (member === state.options.organizationManagementAccount) {
            reject(MESSAGES.managementAccountWithoutDetector);
            continue;
          }
          state.createDetector(member!, ctx.region);
          createdByGuardDuty(ctx, member!);
        }
        const m = state.putMembership({
          admin,
          member: member!,
          region: ctx.region,
          email: email ?? existing?.email,
          status: state.detector(member!, ctx.region)!.status === 'ENABLED' ? 'Enabled' : 'Disabled',
          updatedAt: existing && ASSOCIATED.has(existing.status) ? existing.updatedAt : now,
          viaOrganization: true,
          lagReads: 0,
        });
        applyOrganizationFeatures(state, state.organizationConfig(admin, ctx.region), m.member, ctx.region);
      }
      return { UnprocessedAccounts: unprocessed };
    },

    InviteMembers(input: InviteMembersRequest, ctx): InviteMembersResponse {
      state.ownDetector(ctx, input.DetectorId);
      const admin = ctx.principal.account;
      const accounts = checkBatch<string>(input.AccountIds).map(checkAccountId);
      const unprocessed: UnprocessedAccount[] = [];
      const now = state.now();
      for (const member of accounts) {
        const reject = (result: string) => unprocessed.push({ AccountId: member, Result: result });
        const m = state.membership(admin, member, ctx.region);
        if (member === admin) reject(MESSAGES.inviteItself);
        else if (state.associationOf(admin, ctx.region)) reject(MESSAGES.callerIsMemberInvite);
        else if (!m) reject(MESSAGES.notAMember);
        else if (m.viaOrganization)
          reject(
            ASSOCIATED.has(m.status) ? MESSAGES.alreadyInvited : MESSAGES.organizationMemberNotInvitable,
          );
        else if (!['Created', 'Removed', 'Resigned', 'EmailVerificationFailed'].includes(m.status))
          reject(MESSAGES.alreadyInvited);
        else {
          m.status = 'Invited';
          m.invitationId = state.nextId('invitation', admin, member, ctx.region);
          m.invitedAt = now;
          m.updatedAt = now;
        }
      }
      return { UnprocessedAccounts: unprocessed };
    },

    GetMembers(input: GetMembersRequest, ctx): GetMembersResponse {
      state.ownDetector(ctx, input.DetectorId);
      const accounts = checkBatch<string>(input.AccountIds).map(checkAccountId);
      const members: Member[] = [];
      const unprocessed: UnprocessedAccount[] = [];
      for (const account of accounts) {
        const m = state.membership(ctx.principal.account, account, ctx.region);
        if (m) members.push(memberView(state, m));
        else unprocessed.push({ AccountId: account, Result: MESSAGES.notAssociated });
      }
      return { Members: members, UnprocessedAccounts: unprocessed };
    },

    ListMembers(input: ListMembersRequest, ctx): ListMembersResponse {
      state.ownDetector(ctx, input.DetectorId);
      if (input.OnlyAssociated !== undefined && !['true', 'false'].includes(input.OnlyAssociated))
        throw badRequest();
      // AWS defaults to associated members only.
      const onlyAssociated = input.OnlyAssociated !== 'false';
      const views = state
        .membersOf(ctx.principal.account, ctx.region)
        .map((m) => memberView(state, m))
        .filter((v) => !onlyAssociated || ASSOCIATED.has(v.RelationshipStatus as Membership['status']));
      const { page, nextToken } = paginate(views, input.MaxResults, input.NextToken);
      return { Members: page, NextToken: nextToken };
    },

    DisassociateMembers(input: DisassociateMembersRequest, ctx): DisassociateMembersResponse {
      return removeMembers(input, ctx, (m) => {
        if (m.status === 'Created' || m.status === 'Removed' || m.status === 'Resigned') return;
        m.status = 'Removed';
        m.updatedAt = state.now();
        m.lagReads = 0;
      });
    },

    DeleteMembers(input: DeleteMembersRequest, ctx): DeleteMembersResponse {
      return removeMembers(input, ctx, (m) => state.deleteMembership(m));
    },

    ListInvitations(input: ListInvitationsRequest, ctx): ListInvitationsResponse {
      const invitations = state.invitationsFor(ctx.principal.account, ctx.region).map((m) => ({
        AccountId: m.admin,
        InvitationId: m.invitationId,
        RelationshipStatus: 'Invited',
        InvitedAt: iso(m.invitedAt),
      }));
      const { page, nextToken } = paginate(invitations, input.MaxResults, input.NextToken);
      return { Invitations: page, NextToken: nextToken };
    },

    AcceptAdministratorInvitation(input: AcceptAdministratorInvitationRequest, ctx) {
      return accept(ctx, input.DetectorId, input.AdministratorId, input.InvitationId);
    },

    AcceptInvitation(input: AcceptInvitationRequest, ctx) {
      return accept(ctx, input.DetectorId, input.MasterId, input.InvitationId);
    },

    DeclineInvitations(input: DeclineInvitationsRequest, ctx): DeclineInvitationsResponse {
      const admins = checkBatch<string>(input.AccountIds).map(checkAccountId);
      const unprocessed: UnprocessedAccount[] = [];
      for (const admin of admins) {
        const m = state.membership(admin, ctx.principal.account, ctx.region);
        if (m?.status !== 'Invited') {
          unprocessed.push({ AccountId: admin, Result: MESSAGES.noPendingInvitation });
          continue;
        }
        m.status = 'Resigned';
        m.invitationId = undefined;
        m.updatedAt = state.now();
      }
      return { UnprocessedAccounts: unprocessed };
    },

    GetAdministratorAccount(input: GetAdministratorAccountRequest, ctx): GetAdministratorAccountResponse {
      const administrator = administratorOf(input, ctx);
      return { Administrator: 'AccountId' in administrator ? administrator : undefined };
    },

    GetMasterAccount(input: GetAdministratorAccountRequest, ctx) {
      const administrator = administratorOf(input, ctx);
      return { Master: 'AccountId' in administrator ? administrator : undefined };
    },

    DisassociateFromAdministratorAccount: leave,
    DisassociateFromMasterAccount: leave,

    EnableOrganizationAdminAccount(input: EnableOrganizationAdminAccountRequest, ctx) {
      const admin = checkAccountId(input.AdminAccountId);
      const management = state.options.organizationManagementAccount;
      if (!management || ctx.principal.account !== management)
        throw badRequest(MESSAGES.notOrganizationManagement);
      if (!(state.options.isOrganizationAccount?.(management, admin) ?? false) && admin !== management)
        throw badRequest();
      const current = state.delegatedAdmins.get(ctx.region);
      if (current && current !== admin) throw badRequest(MESSAGES.otherDelegatedAdmin);
      state.delegatedAdmins.set(ctx.region, admin);
      // "This enables GuardDuty as a trusted service in AWS Organizations" and registers the
      // account with Organizations; the designation itself is per Region.
      // https://docs.aws.amazon.com/guardduty/latest/ug/organizations_permissions.html
      const organizations = state.options.organizations;
      if (organizations) {
        organizations.enableServiceAccess(GUARDDUTY_SERVICE_PRINCIPAL);
        if (
          admin !== management &&
          !organizations.isDelegatedAdministrator(admin, GUARDDUTY_SERVICE_PRINCIPAL)
        ) {
          organizations.registerDelegatedAdministrator(admin, GUARDDUTY_SERVICE_PRINCIPAL);
        }
      }
      return {};
    },

    ListOrganizationAdminAccounts(
      input: ListOrganizationAdminAccountsRequest,
      ctx,
    ): ListOrganizationAdminAccountsResponse {
      if (ctx.principal.account !== state.options.organizationManagementAccount) {
        throw badRequest(MESSAGES.notOrganizationManagement);
      }
      const admin = state.delegatedAdmins.get(ctx.region);
      const { page, nextToken } = paginate(admin ? [admin] : [], input.MaxResults, input.NextToken);
      return {
        AdminAccounts: page.map((a) => ({ AdminAccountId: a, AdminStatus: 'ENABLED' })),
        NextToken: nextToken,
      };
    },

    DescribeOrganizationConfiguration(
      input: DescribeOrganizationConfigurationRequest,
      ctx,
    ): DescribeOrganizationConfigurationResponse {
      state.ownDetector(ctx, input.DetectorId);
      requireDelegatedAdmin(state, ctx);
      const config = state.organizationConfig(ctx.principal.account, ctx.region);
      const autoEnable = (name: string) => config.features.get(name)?.autoEnable !== 'NONE';
      return {
        AutoEnable: config.autoEnableMembers !== 'NONE',
        AutoEnableOrganizationMembers: config.autoEnableMembers,
        MemberAccountLimitReached: false,
        DataSources: {
          S3Logs: { AutoEnable: autoEnable('S3_DATA_EVENTS') },
          Kubernetes: { AuditLogs: { AutoEnable: autoEnable('EKS_AUDIT_LOGS') } },
          MalwareProtection: {
            ScanEc2InstanceWithFindings: { EbsVolumes: { AutoEnable: autoEnable('EBS_MALWARE_PROTECTION') } },
          },
        },
        Features: [...config.features].map(([name, f]) => ({
          Name: name as 'S3_DATA_EVENTS',
          AutoEnable: f.autoEnable as 'NEW',
          ...(f.additional.size > 0 && {
            AdditionalConfiguration: [...f.additional].map(([aName, a]) => ({
              Name: aName as 'EKS_ADDON_MANAGEMENT',
              AutoEnable: a as 'NEW',
            })),
          }),
        })),
      };
    },

    UpdateOrganizationConfiguration(input: UpdateOrganizationConfigurationRequest, ctx) {
      state.ownDetector(ctx, input.DetectorId);
      requireDelegatedAdmin(state, ctx);
      const members = input.AutoEnableOrganizationMembers;
      if (members !== undefined && !AUTO_ENABLE_VALUES.has(members)) throw badRequest();
      if (members !== undefined && input.AutoEnable !== undefined) throw badRequest();
      const features = (input.Features ?? []).map((f) => {
        const allowed = f.Name ? CONFIGURABLE_FEATURES[f.Name] : undefined;
        if (!allowed || (f.AutoEnable !== undefined && !AUTO_ENABLE_VALUES.has(f.AutoEnable)))
          throw badRequest();
        for (const a of f.AdditionalConfiguration ?? []) {
          if (
            !a.Name ||
            !allowed.includes(a.Name) ||
            !a.AutoEnable ||
            !AUTO_ENABLE_VALUES.has(a.AutoEnable)
          ) {
            throw badRequest();
          }
        }
        return f;
      });
      const config = state.organizationConfig(ctx.principal.account, ctx.region);
      if (members !== undefined) config.autoEnableMembers = members;
      else if (input.AutoEnable !== undefined) config.autoEnableMembers = input.AutoEnable ? 'NEW' : 'NONE';
      for (const f of features) {
        const current = config.features.get(f.Name!)!;
        if (f.AutoEnable) current.autoEnable = f.AutoEnable;
        for (const a of f.AdditionalConfiguration ?? []) current.additional.set(a.Name!, a.AutoEnable!);
      }
      return {};
    },
  };
}

export const MEMBERSHIP_MUTATING = [
  'CreateMembers',
  'InviteMembers',
  'DisassociateMembers',
  'DeleteMembers',
  'AcceptAdministratorInvitation',
  'AcceptInvitation',
  'DeclineInvitations',
  'DisassociateFromAdministratorAccount',
  'DisassociateFromMasterAccount',
  'EnableOrganizationAdminAccount',
  'UpdateOrganizationConfiguration',
];
