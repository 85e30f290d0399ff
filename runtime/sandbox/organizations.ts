import type {
  Account,
  AccountJoinedMethod,
  AccountStatus,
  DescribeAccountRequest,
  DescribeAccountResponse,
  DescribeOrganizationResponse,
  EnableAWSServiceAccessRequest,
  InvalidInputExceptionReason,
  ListAccountsForParentRequest,
  ListAccountsForParentResponse,
  ListAccountsRequest,
  ListAccountsResponse,
  ListAWSServiceAccessForOrganizationRequest,
  ListAWSServiceAccessForOrganizationResponse,
  ListDelegatedAdministratorsRequest,
  ListDelegatedAdministratorsResponse,
  ListOrganizationalUnitsForParentRequest,
  ListOrganizationalUnitsForParentResponse,
  ListParentsRequest,
  ListParentsResponse,
  OrganizationalUnit,
  RegisterDelegatedAdministratorRequest,
} from '@aws-sdk/client-organizations';
import { ACCOUNT_ID } from '../../config/aws-names';
import { AwsError } from './aws-error';
import type { SandboxClock } from './clock';
import type { CallContext, Operation, SandboxService } from './cloud';
import { mulberry32 } from './faults';
import { paginate } from './pagination';
import { SandboxSetupError } from './setup-error';

/**
 * The Organizations part of the sandbox cloud: one organisation with a root, organizational
 * units and accounts, read through the list and describe operations Warden uses.
 *
 * As in AWS, only the management account and registered delegated administrators may read the
 * organisation's structure ("This operation can be called only from the organization's management
 * account or by a member account that is a delegated administrator for an AWS service."); any
 * member may describe the organisation itself.
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribeAccount.html
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribeOrganization.html
 *
 * The organisation starts with no trusted access and no delegated administrator, as a new AWS
 * Organization does; the management account enables trusted access for a service
 * (`EnableAWSServiceAccess`) and registers delegated administrators
 * (`RegisterDelegatedAdministrator`), and only it may: "This operation can be called only from
 * the organization's management account."
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_EnableAWSServiceAccess.html
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_RegisterDelegatedAdministrator.html
 */
export interface AccountSpec {
  id: string;
  name: string;
  email: string;
  /** A root or OU id. @default - the root */
  parentId?: string;
  /** @default ACTIVE */
  status?: AccountStatus;
  /** Epoch milliseconds. @default - the sandbox clock's now */
  joinedAt?: number;
  /** @default CREATED */
  joinedMethod?: AccountJoinedMethod;
}

export interface OrganizationsOptions {
  managementAccount: { id: string; name: string; email: string };
  clock: SandboxClock;
  /** Seeds the generated organisation, root and OU ids. @default 1 */
  seed?: number;
  /** The organisation's id, as a config names it. @default - generated from the seed */
  organizationId?: string;
}

interface OrgAccount {
  id: string;
  name: string;
  email: string;
  parentId: string;
  status: AccountStatus;
  joinedAt: number;
  joinedMethod: AccountJoinedMethod;
}

interface OrgUnit {
  id: string;
  name: string;
  parentId: string;
}

const SERVICE_PRINCIPAL = /^[\w+=,.@-]{1,128}$/;
const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const DEFAULT_MAX_RESULTS = 20;

export class SandboxOrganizations implements SandboxService {
  readonly name = 'organizations';
  readonly mutating: ReadonlySet<string> = new Set([
    'EnableAWSServiceAccess',
    'RegisterDelegatedAdministrator',
  ]);
  readonly operations: Readonly<Record<string, Operation>> = {
    EnableAWSServiceAccess: (input: EnableAWSServiceAccessRequest, ctx: CallContext) =>
      this.enableAwsServiceAccess(input, ctx),
    ListAWSServiceAccessForOrganization: (
      input: ListAWSServiceAccessForOrganizationRequest,
      ctx: CallContext,
    ) => this.listAwsServiceAccess(input, ctx),
    RegisterDelegatedAdministrator: (input: RegisterDelegatedAdministratorRequest, ctx: CallContext) =>
      this.registerDelegatedAdministratorCall(input, ctx),
    ListDelegatedAdministrators: (input: ListDelegatedAdministratorsRequest, ctx: CallContext) =>
      this.listDelegatedAdministrators(input, ctx),
    ListRoots: (_input: unknown, ctx: CallContext) => this.listRoots(ctx),
    DescribeOrganization: (_input: unknown, ctx: CallContext) => this.describeOrganization(ctx),
    DescribeAccount: (input: DescribeAccountRequest, ctx: CallContext) => this.describeAccount(input, ctx),
    ListAccounts: (input: ListAccountsRequest, ctx: CallContext) => this.listAccounts(input, ctx),
    ListParents: (input: ListParentsRequest, ctx: CallContext) => this.listParents(input, ctx),
    ListAccountsForParent: (input: ListAccountsForParentRequest, ctx: CallContext) =>
      this.listAccountsForParent(input, ctx),
    ListOrganizationalUnitsForParent: (input: ListOrganizationalUnitsForParentRequest, ctx: CallContext) =>
      this.listOrganizationalUnitsForParent(input, ctx),
  };

  readonly organizationId: string;
  readonly rootId: string;
  readonly managementAccountId: string;
  private readonly accounts = new Map<string, OrgAccount>();
  private readonly units = new Map<string, OrgUnit>();
  /** account id → service principals it is a delegated administrator for */
  private readonly delegated = new Map<string, Set<string>>();
  /** service principal → when trusted access was enabled for it */
  private readonly trusted = new Map<string, number>();
  /** `account|service principal` → when the delegation was registered */
  private readonly delegatedAt = new Map<string, number>();
  private readonly clock: SandboxClock;
  private readonly random: () => number;
  private readonly accountListeners: ((accountId: string) => void)[] = [];

  constructor(options: OrganizationsOptions) {
    this.clock = options.clock;
    this.random = mulberry32(options.seed ?? 1);
    const generated = `o-${this.randomId(10)}`;
    this.organizationId = options.organizationId ?? generated;
    this.rootId = `r-${this.randomId(4)}`;
    this.managementAccountId = options.managementAccount.id;
    this.addAccount({ ...options.managementAccount, joinedMethod: 'CREATED' });
  }

  addAccount(spec: AccountSpec): void {
    if (!ACCOUNT_ID.test(spec.id)) {
      throw new SandboxSetupError(`account id must be 12 digits, got '${spec.id}'`);
    }
    if (this.accounts.has(spec.id)) {
      throw new SandboxSetupError(`account ${spec.id} is already in the organisation`);
    }
    const parentId = spec.parentId ?? this.rootId;
    if (!this.parentExists(parentId)) {
      throw new SandboxSetupError(`no root or OU ${parentId} to put ${spec.id} in`);
    }
    this.accounts.set(spec.id, {
      id: spec.id,
      name: spec.name,
      email: spec.email,
      parentId,
      status: spec.status ?? 'ACTIVE',
      joinedAt: spec.joinedAt ?? this.clock(),
      joinedMethod: spec.joinedMethod ?? 'CREATED',
    });
    for (const listener of this.accountListeners) listener(spec.id);
  }

  /** Called with each account that joins from now on (what StackSets' automatic deployment watches). */
  onAccountAdded(listener: (accountId: string) => void): void {
    this.accountListeners.push(listener);
  }

  /** The OUs above an account, nearest first, ending with the root. */
  ancestorsOf(accountId: string): string[] {
    const chain: string[] = [];
    let parent: string | undefined = this.existing(accountId).parentId;
    while (parent) {
      chain.push(parent);
      parent = this.units.get(parent)?.parentId;
    }
    return chain;
  }

  suspendAccount(accountId: string): void {
    this.existing(accountId).status = 'SUSPENDED';
  }

  /** Starts closing an account: it stays listed as PENDING_CLOSURE, as AWS shows it for 90 days. */
  closeAccount(accountId: string): void {
    this.existing(accountId).status = 'PENDING_CLOSURE';
  }

  /** The account leaves the organisation (what offboarding reacts to). */
  removeAccount(accountId: string): void {
    if (accountId === this.managementAccountId) {
      throw new SandboxSetupError('the management account cannot leave');
    }
    this.existing(accountId);
    this.accounts.delete(accountId);
    this.delegated.delete(accountId);
    for (const key of [...this.delegatedAt.keys()])
      if (key.startsWith(`${accountId}|`)) this.delegatedAt.delete(key);
  }

  /** Adds an OU and returns its id (`ou-<root part>-<8 characters>`). */
  addOrganizationalUnit(name: string, parentId: string = this.rootId): string {
    if (!this.parentExists(parentId)) {
      throw new SandboxSetupError(`no root or OU ${parentId} to put OU ${name} in`);
    }
    const id = `ou-${this.rootId.slice(2)}-${this.randomId(8)}`;
    this.units.set(id, { id, name, parentId });
    return id;
  }

  registerDelegatedAdministrator(accountId: string, servicePrincipal: string): void {
    this.existing(accountId);
    if (accountId === this.managementAccountId) {
      throw new SandboxSetupError('the management account cannot be a delegated administrator');
    }
    const services = this.delegated.get(accountId) ?? new Set<string>();
    services.add(servicePrincipal);
    this.delegated.set(accountId, services);
    if (!this.delegatedAt.has(`${accountId}|${servicePrincipal}`)) {
      this.delegatedAt.set(`${accountId}|${servicePrincipal}`, this.clock());
    }
  }

  /** Enables trusted access for `servicePrincipal` without a call (world setup). */
  enableServiceAccess(servicePrincipal: string): void {
    if (!SERVICE_PRINCIPAL.test(servicePrincipal)) {
      throw new SandboxSetupError(`invalid service principal '${servicePrincipal}'`);
    }
    if (!this.trusted.has(servicePrincipal)) this.trusted.set(servicePrincipal, this.clock());
  }

  hasTrustedAccess(servicePrincipal: string): boolean {
    return this.trusted.has(servicePrincipal);
  }

  isDelegatedAdministrator(accountId: string, servicePrincipal: string): boolean {
    return this.delegated.get(accountId)?.has(servicePrincipal) ?? false;
  }

  /** The organisation's id for a member account (`aws:PrincipalOrgID`, `aws:ResourceOrgID`). */
  organizationIdOf(accountId: string): string | undefined {
    return this.isMember(accountId) ? this.organizationId : undefined;
  }

  isMember(accountId: string): boolean {
    return this.accounts.has(accountId);
  }

  /** True for the management account, and for a delegated administrator (of `servicePrincipal`, if given). */
  canAdminister(accountId: string, servicePrincipal?: string): boolean {
    if (accountId === this.managementAccountId) return true;
    const services = this.delegated.get(accountId);
    if (!services) return false;
    return servicePrincipal === undefined || services.has(servicePrincipal);
  }

  /** The account as DescribeAccount shows it, for arranging and asserting without a call. */
  describe(accountId: string): Account | undefined {
    const account = this.accounts.get(accountId);
    return account && this.toAccount(account);
  }

  private describeOrganization(ctx: CallContext): DescribeOrganizationResponse {
    if (!this.isMember(ctx.principal.account)) throw notInUse();
    const management = this.existing(this.managementAccountId);
    return {
      Organization: {
        Id: this.organizationId,
        Arn: `arn:aws:organizations::${this.managementAccountId}:organization/${this.organizationId}`,
        FeatureSet: 'ALL',
        MasterAccountArn: this.accountArn(this.managementAccountId),
        MasterAccountId: this.managementAccountId,
        MasterAccountEmail: management.email,
        AvailablePolicyTypes: [],
      },
    };
  }

  private enableAwsServiceAccess(input: EnableAWSServiceAccessRequest, ctx: CallContext): object {
    this.requireManagement(ctx);
    this.enableServiceAccess(servicePrincipalOf(input.ServicePrincipal));
    return {};
  }

  private listAwsServiceAccess(
    input: ListAWSServiceAccessForOrganizationRequest,
    ctx: CallContext,
  ): ListAWSServiceAccessForOrganizationResponse {
    this.authorize(ctx);
    const enabled = [...this.trusted].map(([principal, at]) => ({
      ServicePrincipal: principal,
      DateEnabled: new Date(at),
    }));
    const page = this.page(enabled, 'ListAWSServiceAccessForOrganization', input);
    return { EnabledServicePrincipals: page.items, NextToken: page.nextToken };
  }

  private registerDelegatedAdministratorCall(
    input: RegisterDelegatedAdministratorRequest,
    ctx: CallContext,
  ): object {
    this.requireManagement(ctx);
    const id = required(input.AccountId, 'AccountId');
    if (!ACCOUNT_ID.test(id)) {
      throw invalidInput('INVALID_PATTERN', 'You provided a value that does not match the required pattern.');
    }
    const principal = servicePrincipalOf(input.ServicePrincipal);
    if (!this.accounts.has(id)) {
      throw new AwsError('AccountNotFoundException', "You specified an account that doesn't exist.");
    }
    if (id === this.managementAccountId) {
      throw Object.assign(
        new AwsError(
          'ConstraintViolationException',
          'You cannot register the management account of the organization as a delegated administrator for an AWS service.',
        ),
        { Reason: 'CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR' },
      );
    }
    if (this.isDelegatedAdministrator(id, principal)) {
      throw new AwsError(
        'AccountAlreadyRegisteredException',
        'The provided account is already a delegated administrator for your organization.',
      );
    }
    this.registerDelegatedAdministrator(id, principal);
    return {};
  }

  private listDelegatedAdministrators(
    input: ListDelegatedAdministratorsRequest,
    ctx: CallContext,
  ): ListDelegatedAdministratorsResponse {
    this.authorize(ctx);
    const wanted =
      input.ServicePrincipal === undefined ? undefined : servicePrincipalOf(input.ServicePrincipal);
    const admins = [...this.delegated]
      .filter(([, services]) => wanted === undefined || services.has(wanted))
      .map(([id]) => this.existing(id));
    const page = this.page(admins, `ListDelegatedAdministrators/${wanted ?? '*'}`, input);
    return {
      DelegatedAdministrators: page.items.map((a) => ({
        ...this.toAccount(a),
        DelegationEnabledDate: new Date(
          Math.min(
            ...[...(this.delegated.get(a.id) ?? [])].map(
              (sp) => this.delegatedAt.get(`${a.id}|${sp}`) ?? a.joinedAt,
            ),
          ),
        ),
      })),
      NextToken: page.nextToken,
    };
  }

  /** Operations only the management account may call answer others with AccessDeniedException. */
  private requireManagement(ctx: CallContext): void {
    if (!this.isMember(ctx.principal.account)) throw notInUse();
    if (ctx.principal.account !== this.managementAccountId) {
      throw new AwsError('AccessDeniedException', "You don't have permissions to access this resource.", 403);
    }
  }

  private describeAccount(input: DescribeAccountRequest, ctx: CallContext): DescribeAccountResponse {
    this.authorize(ctx);
    const id = required(input.AccountId, 'AccountId');
    if (!ACCOUNT_ID.test(id)) {
      throw invalidInput('INVALID_PATTERN', 'You provided a value that does not match the required pattern.');
    }
    const account = this.accounts.get(id);
    if (!account) {
      throw new AwsError('AccountNotFoundException', "You specified an account that doesn't exist.");
    }
    return { Account: this.toAccount(account) };
  }

  private listAccounts(input: ListAccountsRequest, ctx: CallContext): ListAccountsResponse {
    this.authorize(ctx);
    const page = this.page([...this.accounts.values()], 'ListAccounts', input);
    return { Accounts: page.items.map((a) => this.toAccount(a)), NextToken: page.nextToken };
  }

  private listAccountsForParent(
    input: ListAccountsForParentRequest,
    ctx: CallContext,
  ): ListAccountsForParentResponse {
    const page = this.childrenPage('ListAccountsForParent', this.accounts.values(), input, ctx);
    return { Accounts: page.items.map((a) => this.toAccount(a)), NextToken: page.nextToken };
  }

  private listOrganizationalUnitsForParent(
    input: ListOrganizationalUnitsForParentRequest,
    ctx: CallContext,
  ): ListOrganizationalUnitsForParentResponse {
    const page = this.childrenPage('ListOrganizationalUnitsForParent', this.units.values(), input, ctx);
    return { OrganizationalUnits: page.items.map((u) => this.toUnit(u)), NextToken: page.nextToken };
  }

  private listParents(input: ListParentsRequest, ctx: CallContext): ListParentsResponse {
    this.authorize(ctx);
    const childId = required(input.ChildId, 'ChildId');
    if (!ACCOUNT_ID.test(childId) && !OU_ID.test(childId)) {
      throw invalidInput('INVALID_PATTERN', 'You provided a value that does not match the required pattern.');
    }
    const parentId = this.accounts.get(childId)?.parentId ?? this.units.get(childId)?.parentId;
    if (parentId === undefined) {
      throw new AwsError(
        'ChildNotFoundException',
        "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
      );
    }
    // Every child has exactly one parent; MaxResults and NextToken are still validated.
    const page = this.page([parentId], `ListParents/${childId}`, input);
    return {
      Parents: page.items.map((id) => ({
        Id: id,
        Type: id === this.rootId ? 'ROOT' : 'ORGANIZATIONAL_UNIT',
      })),
      NextToken: page.nextToken,
    };
  }

  /**
   * ListRoots: from the management account or a delegated administrator, like every read of the
   * organisation's structure. https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListRoots.html
   */
  private listRoots(ctx: CallContext): object {
    this.authorize(ctx);
    return {
      Roots: [
        {
          Id: this.rootId,
          Arn: `arn:aws:organizations::${this.managementAccountId}:root/${this.organizationId}/${this.rootId}`,
          Name: 'Root',
          PolicyTypes: [],
        },
      ],
    };
  }

  private authorize(ctx: CallContext): void {
    const caller = ctx.principal.account;
    if (!this.isMember(caller)) throw notInUse();
    if (!this.canAdminister(caller)) {
      throw new AwsError('AccessDeniedException', "You don't have permissions to access this resource.", 403);
    }
  }

  private page<T>(items: readonly T[], scope: string, input: { MaxResults?: number; NextToken?: string }) {
    const maxResults = input.MaxResults ?? DEFAULT_MAX_RESULTS;
    if (!Number.isInteger(maxResults) || maxResults < 1) {
      throw invalidInput(
        'MIN_VALUE_EXCEEDED',
        'You provided a value that is less than the minimum allowed value.',
      );
    }
    if (maxResults > DEFAULT_MAX_RESULTS) {
      throw invalidInput(
        'MAX_VALUE_EXCEEDED',
        'You provided a value that exceeds the maximum allowed value.',
      );
    }
    return paginate(items, { scope, maxResults, nextToken: input.NextToken }, () =>
      invalidInput('INVALID_NEXT_TOKEN', 'The NextToken value is not valid.'),
    );
  }

  /** A page of the children of one kind (accounts or OUs) directly under the request's parent. */
  private childrenPage<T extends { parentId: string }>(
    operation: string,
    all: Iterable<T>,
    input: { ParentId?: string; MaxResults?: number; NextToken?: string },
    ctx: CallContext,
  ) {
    this.authorize(ctx);
    const parentId = this.knownParent(input.ParentId);
    const children = [...all].filter((child) => child.parentId === parentId);
    return this.page(children, `${operation}/${parentId}`, input);
  }

  private knownParent(parentId: string | undefined): string {
    const id = required(parentId, 'ParentId');
    if (!ROOT_ID.test(id) && !OU_ID.test(id)) {
      throw invalidInput('INVALID_PATTERN', 'You provided a value that does not match the required pattern.');
    }
    if (!this.parentExists(id)) {
      throw new AwsError(
        'ParentNotFoundException',
        "We can't find a root or OU with the ParentId that you specified.",
      );
    }
    return id;
  }

  private parentExists(id: string): boolean {
    return id === this.rootId || this.units.has(id);
  }

  private existing(accountId: string): OrgAccount {
    const account = this.accounts.get(accountId);
    if (!account) throw new SandboxSetupError(`account ${accountId} is not in the organisation`);
    return account;
  }

  private toAccount(account: OrgAccount): Account {
    return {
      Id: account.id,
      Arn: this.accountArn(account.id),
      Email: account.email,
      Name: account.name,
      Status: account.status,
      State: account.status,
      Paths: [`${this.pathTo(account.parentId)}${account.id}/`],
      JoinedMethod: account.joinedMethod,
      JoinedTimestamp: new Date(account.joinedAt),
    };
  }

  private toUnit(unit: OrgUnit): OrganizationalUnit {
    return {
      Id: unit.id,
      Arn: `arn:aws:organizations::${this.managementAccountId}:ou/${this.organizationId}/${unit.id}`,
      Name: unit.name,
      Path: `${this.pathTo(unit.parentId)}${unit.id}/`,
    };
  }

  /** `o-…/r-…/ou-…/` down to and including `parentId`. */
  private pathTo(parentId: string): string {
    const chain: string[] = [];
    for (let id: string | undefined = parentId; id !== undefined; id = this.units.get(id)?.parentId)
      chain.unshift(id);
    return `${this.organizationId}/${chain.join('/')}/`;
  }

  private accountArn(accountId: string): string {
    return `arn:aws:organizations::${this.managementAccountId}:account/${this.organizationId}/${accountId}`;
  }

  private randomId(length: number): string {
    let id = '';
    for (let i = 0; i < length; i += 1) id += ID_CHARS[Math.floor(this.random() * ID_CHARS.length)];
    return id;
  }
}

function invalidInput(reason: InvalidInputExceptionReason, message: string): AwsError {
  // The SDK's InvalidInputException carries a Reason; callers may branch on it.
  return Object.assign(new AwsError('InvalidInputException', message), { Reason: reason });
}

/** A service principal as Organizations accepts it: `guardduty.amazonaws.com`. */
function servicePrincipalOf(value: string | undefined): string {
  const principal = required(value, 'ServicePrincipal');
  if (!SERVICE_PRINCIPAL.test(principal)) {
    throw invalidInput('INVALID_PATTERN', 'You provided a value that does not match the required pattern.');
  }
  return principal;
}

function required(value: string | undefined, member: string): string {
  if (value === undefined || value === '') {
    throw invalidInput('INPUT_REQUIRED', `You must specify a value for ${member}.`);
  }
  return value;
}

function notInUse(): AwsError {
  return new AwsError(
    'AWSOrganizationsNotInUseException',
    'Your account is not a member of an organization.',
  );
}
