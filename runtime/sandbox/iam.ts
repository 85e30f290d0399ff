import { createHash } from 'node:crypto';
import type {
  GetAccountPasswordPolicyResponse,
  GetRoleRequest,
  GetRoleResponse,
  PasswordPolicy,
  UpdateAccountPasswordPolicyRequest,
} from '@aws-sdk/client-iam';
import { ACCOUNT_ID } from '../../config/aws-names';
import type { SandboxClock } from './clock';
import type { CallContext, Operation, SandboxService } from './cloud';
import type { IamCoverage } from './iam-coverage';
import { checkPolicyDocument, type PolicyDocument } from './policy-document';
import { type QueryError, queryError } from './query-error';
import type { GuardedResource, ResourcePolicyHolder } from './resource-policy';
import { SandboxSetupError } from './setup-error';
import { checkRange, constraintViolation } from './validation';

/**
 * The IAM part of the sandbox cloud: roles and the account password policy, per account.
 *
 * A role is modelled as CloudFormation declares it (`AWS::IAM::Role`): a trust policy, inline
 * policies (its `Policies`, and every `AWS::IAM::Policy` that names it in `Roles`), managed policy
 * ARNs and a path. The IAM enforcement of the sandbox cloud evaluates these documents for every
 * call the role's credentials sign, and the trust policy for every AssumeRole of the role.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html
 *
 * `createRole(account, name, trusted)` (an account id or a service principal) is a shorthand: it
 * writes the trust policy AWS would hold for that principal and gives the role no policy, so the
 * role can do nothing until one is put or attached (as a role created with no policies in AWS).
 * IAM is global, so the region the call was signed for plays no part.
 */
export interface SandboxRole {
  account: string;
  roleName: string;
  roleId: string;
  /** `/` or `/a/b/`, as IAM stores it. */
  path: string;
  arn: string;
  trustPolicy: PolicyDocument;
  /** Policy name → document: the role's inline policies. */
  inlinePolicies: Map<string, PolicyDocument>;
  managedPolicyArns: string[];
  /** The shorthand's account id or service principal; absent for a role declared with policies. */
  trusted?: string;
  /** Where the role was declared (a synthesized template), for the IAM coverage report. */
  declaredBy?: RoleDeclaration;
  /** @default 3600 - seconds, as IAM's own default */
  maxSessionDuration: number;
  createdAt: number;
}

/** The template a role comes from, e.g. `{ stack: 'WardenSecurity', logicalId: 'IntakeRole1A2B3C' }`. */
export interface RoleDeclaration {
  stack: string;
  logicalId: string;
}

export interface CreateRoleOptions {
  /** Longest session AssumeRole may grant, 3600–43200 seconds. @default 3600 */
  maxSessionDuration?: number;
}

/** A role as `AWS::IAM::Role` declares it. */
export interface RoleSpec extends CreateRoleOptions {
  /** `AssumeRolePolicyDocument`, as an object or JSON text. */
  trustPolicy: unknown;
  /** `Policies`: policy name → document. @default - none */
  inlinePolicies?: Readonly<Record<string, unknown>>;
  /** `ManagedPolicyArns`: customer managed (`createPolicy`) or AWS managed policies. @default - none */
  managedPolicyArns?: readonly string[];
  /** @default '/' */
  path?: string;
  /** The template that declares the role; makes its statements part of the IAM coverage report. */
  declaredBy?: RoleDeclaration;
}

/** A managed policy: AWS managed (`arn:aws:iam::aws:policy/…`) or created in an account. */
export interface ManagedPolicy {
  arn: string;
  name: string;
  document: PolicyDocument;
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
const PATH = /^\/([\x21-\x7e]{0,510}\/)?$/;

/**
 * The service-linked roles of the services Warden's deploy steps and calls enable, by the service
 * principal each trusts:
 * - GuardDuty's, created when GuardDuty is first enabled in an account
 *   (https://docs.aws.amazon.com/guardduty/latest/ug/slr-permissions.html);
 * - StackSets' in the management account and in the member accounts, created when trusted
 *   access with Organizations is activated
 *   (https://docs.aws.amazon.com/organizations/latest/userguide/services-that-can-integrate-cloudformation.html,
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-activate-trusted-access.html,
 *   https://docs.aws.amazon.com/aws-managed-policy/latest/reference/CloudFormationStackSetsOrgAdminServiceRolePolicy.html).
 */
export const SERVICE_LINKED_ROLE_NAMES: Readonly<Record<string, string>> = {
  'guardduty.amazonaws.com': 'AWSServiceRoleForAmazonGuardDuty',
  'malware-protection.guardduty.amazonaws.com': 'AWSServiceRoleForAmazonGuardDutyMalwareProtection',
  'stacksets.cloudformation.amazonaws.com': 'AWSServiceRoleForCloudFormationStackSetsOrgAdmin',
  'member.org.stacksets.cloudformation.amazonaws.com': 'AWSServiceRoleForCloudFormationStackSetsOrgMember',
};
const TRUST_ACTIONS = new Set(['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity']);

/**
 * AWS managed policies the sandbox knows the documents of. CDK attaches this one to every Lambda
 * execution role it creates; its document is the one AWS publishes.
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html
 */
const AWS_MANAGED_POLICIES: readonly ManagedPolicy[] = [
  {
    arn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
    name: 'AWSLambdaBasicExecutionRole',
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: '*',
        },
      ],
    },
  },
];

export class SandboxIam implements SandboxService, ResourcePolicyHolder {
  readonly name = 'iam';
  readonly mutating: ReadonlySet<string> = new Set([
    'UpdateAccountPasswordPolicy',
    'DeleteAccountPasswordPolicy',
  ]);
  readonly operations: Readonly<Record<string, Operation>> = {
    GetRole: (input: GetRoleRequest, ctx: CallContext) => this.getRole(input, ctx),
    GetAccountPasswordPolicy: (_input: unknown, ctx: CallContext) => this.getAccountPasswordPolicy(ctx),
    UpdateAccountPasswordPolicy: (input: UpdateAccountPasswordPolicyRequest, ctx: CallContext) =>
      this.updateAccountPasswordPolicy(input, ctx),
    DeleteAccountPasswordPolicy: (_input: unknown, ctx: CallContext) => this.deleteAccountPasswordPolicy(ctx),
  };

  /**
   * Goes up with every change to a role or a managed policy, so that cached IAM decisions made
   * before the change are never reused after it.
   */
  generation = 0;
  /** account → role name → role */
  private readonly roles = new Map<string, Map<string, SandboxRole>>();
  private readonly managedPolicies = new Map<string, ManagedPolicy>(
    AWS_MANAGED_POLICIES.map((p) => [p.arn, p]),
  );
  private readonly passwordPolicies = new Map<string, PasswordPolicy>();

  private coverage?: IamCoverage;

  constructor(private readonly clock: SandboxClock) {}

  /** Lists the statements of declared roles in `coverage` (the cloud calls this on register). */
  useCoverage(coverage: IamCoverage): void {
    this.coverage = coverage;
    for (const role of this.allRoles()) this.declare(role);
  }

  /**
   * Creates a role in `account`. With a `RoleSpec` it is the role a template declares; with
   * `trusted` (an account id or a service principal) it is a role trusting that principal, with no
   * policy yet.
   */
  createRole(
    account: string,
    roleName: string,
    spec: string | RoleSpec,
    options: CreateRoleOptions = {},
  ): SandboxRole {
    if (!ACCOUNT_ID.test(account)) throw new SandboxSetupError(`account must be 12 digits, got '${account}'`);
    if (!ROLE_NAME.test(roleName)) throw new SandboxSetupError(`invalid IAM role name '${roleName}'`);
    const declared = typeof spec === 'string' ? undefined : spec;
    const maxSessionDuration = declared?.maxSessionDuration ?? options.maxSessionDuration ?? 3600;
    if (!Number.isInteger(maxSessionDuration) || maxSessionDuration < 3600 || maxSessionDuration > 43200) {
      throw new SandboxSetupError(
        `maxSessionDuration must be between 3600 and 43200, got ${maxSessionDuration}`,
      );
    }
    const path = declared?.path ?? '/';
    if (!PATH.test(path)) throw new SandboxSetupError(`path must start and end with '/', got '${path}'`);
    const roles = this.rolesOf(account);
    if (roles.has(roleName)) {
      throw new SandboxSetupError(`role ${roleName} already exists in account ${account}`);
    }
    const trustPolicy =
      typeof spec === 'string'
        ? trustPolicyFor(spec)
        : checkPolicyDocument(spec.trustPolicy, 'trust', `trustPolicy of role ${roleName}`);
    const inlinePolicies = new Map<string, PolicyDocument>();
    for (const [name, document] of Object.entries(declared?.inlinePolicies ?? {})) {
      inlinePolicies.set(name, this.checkInline(roleName, name, document));
    }
    const managedPolicyArns = [...(declared?.managedPolicyArns ?? [])];
    for (const arn of managedPolicyArns) this.managedPolicy(arn, roleName);
    const role: SandboxRole = {
      account,
      roleName,
      roleId: roleIdFor(account, roleName),
      path,
      arn: `arn:aws:iam::${account}:role${path}${roleName}`,
      trustPolicy,
      inlinePolicies,
      managedPolicyArns,
      maxSessionDuration,
      createdAt: this.clock(),
    };
    if (typeof spec === 'string') role.trusted = spec;
    if (declared?.declaredBy) role.declaredBy = { ...declared.declaredBy };
    roles.set(roleName, role);
    this.generation += 1;
    this.declare(role);
    return role;
  }

  /**
   * The service-linked role a service creates for itself in `account` (idempotent: a service
   * creates its role once, and later uses find it). It sits under `/aws-service-role/<service>/`,
   * trusts only the service, and its permissions are the service's, not Warden's to exercise.
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html
   */
  createServiceLinkedRole(account: string, service: string): SandboxRole {
    const name = SERVICE_LINKED_ROLE_NAMES[service];
    if (!name) throw new SandboxSetupError(`the sandbox knows no service-linked role of ${service}`);
    const existing = this.role(account, name);
    if (existing) return existing;
    return this.createRole(account, name, {
      path: `/aws-service-role/${service}/`,
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
      },
    });
  }

  /** The service's service-linked role in `account`, once the service created it. */
  serviceLinkedRole(account: string, service: string): SandboxRole | undefined {
    const name = SERVICE_LINKED_ROLE_NAMES[service];
    return name ? this.role(account, name) : undefined;
  }

  /** `PutRolePolicy`, and what an `AWS::IAM::Policy` naming the role in `Roles` does. */
  putRolePolicy(account: string, roleName: string, policyName: string, document: unknown): void {
    const role = this.existingRole(account, roleName);
    role.inlinePolicies.set(policyName, this.checkInline(roleName, policyName, document));
    this.generation += 1;
    this.declare(role);
  }

  deleteRolePolicy(account: string, roleName: string, policyName: string): void {
    const role = this.existingRole(account, roleName);
    if (!role.inlinePolicies.delete(policyName)) {
      throw new SandboxSetupError(`role ${roleName} in ${account} has no inline policy ${policyName}`);
    }
    this.generation += 1;
  }

  attachRolePolicy(account: string, roleName: string, policyArn: string): void {
    const role = this.existingRole(account, roleName);
    this.managedPolicy(policyArn, roleName);
    if (!role.managedPolicyArns.includes(policyArn)) role.managedPolicyArns.push(policyArn);
    this.generation += 1;
    this.declare(role);
  }

  updateAssumeRolePolicy(account: string, roleName: string, trustPolicy: unknown): void {
    const role = this.existingRole(account, roleName);
    role.trustPolicy = checkPolicyDocument(trustPolicy, 'trust', `trustPolicy of role ${roleName}`);
    this.generation += 1;
  }

  /** A customer managed policy (`AWS::IAM::ManagedPolicy`); returns its ARN. */
  createPolicy(account: string, name: string, document: unknown, options: { path?: string } = {}): string {
    if (!ACCOUNT_ID.test(account)) throw new SandboxSetupError(`account must be 12 digits, got '${account}'`);
    if (!POLICY_NAME.test(name)) throw new SandboxSetupError(`invalid IAM policy name '${name}'`);
    const path = options.path ?? '/';
    if (!PATH.test(path)) throw new SandboxSetupError(`path must start and end with '/', got '${path}'`);
    const arn = `arn:aws:iam::${account}:policy${path}${name}`;
    if (this.managedPolicies.has(arn)) throw new SandboxSetupError(`policy ${arn} already exists`);
    const checked = checkPolicyDocument(document, 'identity', `document of policy ${name}`);
    this.managedPolicies.set(arn, { arn, name, document: checked });
    this.generation += 1;
    return arn;
  }

  deleteRole(account: string, roleName: string): void {
    this.rolesOf(account).delete(roleName);
    this.generation += 1;
  }

  role(account: string, roleName: string): SandboxRole | undefined {
    return this.roles.get(account)?.get(roleName);
  }

  /**
   * A role's trust policy is the resource-based policy of the role, and governs only assuming it.
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#term_trust-policy
   */
  guardedResource(arn: string, action: string): GuardedResource | undefined {
    if (!TRUST_ACTIONS.has(action)) return undefined;
    const match = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(arn);
    const role = match ? this.role(match[1]!, match[2]!) : undefined;
    if (!role || role.arn !== arn) return undefined;
    return { account: role.account, arn: role.arn, policy: role.trustPolicy, generation: this.generation };
  }

  /** Every role of every account, e.g. for the IAM coverage report. */
  allRoles(): SandboxRole[] {
    return [...this.roles.values()].flatMap((roles) => [...roles.values()]);
  }

  /** The identity policies of `role`, named as the coverage report names them. */
  identityPoliciesOf(role: SandboxRole): { name: string; document: PolicyDocument }[] {
    return [
      ...[...role.inlinePolicies].map(([name, document]) => ({ name, document })),
      ...role.managedPolicyArns.map((arn) => ({
        name: arn,
        document: this.managedPolicy(arn, role.roleName).document,
      })),
    ];
  }

  /** Reads an account's password policy without a call, e.g. to arrange or assert in tests. */
  passwordPolicy(account: string): PasswordPolicy | undefined {
    const policy = this.passwordPolicies.get(account);
    return policy && { ...policy };
  }

  /**
   * A declared role's own statements go in the coverage report; AWS managed policies are AWS's,
   * listed nowhere: their unused statements say nothing about Warden's grants.
   */
  private declare(role: SandboxRole): void {
    if (!this.coverage || !role.declaredBy) return;
    const own = this.identityPoliciesOf(role).filter((p) => !p.name.startsWith('arn:aws:iam::aws:'));
    this.coverage.declareRole(
      `${role.declaredBy.stack}/${role.declaredBy.logicalId}`,
      role.roleName,
      own,
      role.trustPolicy,
    );
  }

  private checkInline(roleName: string, policyName: string, document: unknown): PolicyDocument {
    if (!POLICY_NAME.test(policyName)) {
      throw new SandboxSetupError(`invalid inline policy name '${policyName}' on role ${roleName}`);
    }
    return checkPolicyDocument(document, 'identity', `inline policy ${policyName} of role ${roleName}`);
  }

  private managedPolicy(arn: string, roleName: string): ManagedPolicy {
    const policy = this.managedPolicies.get(arn);
    // CloudFormation fails the role the same way: "Policy … does not exist or is not attachable."
    if (!policy) throw new SandboxSetupError(`managed policy ${arn} of role ${roleName} does not exist`);
    return policy;
  }

  private existingRole(account: string, roleName: string): SandboxRole {
    const role = this.role(account, roleName);
    if (!role) throw new SandboxSetupError(`no role ${roleName} in account ${account}`);
    return role;
  }

  private getRole(input: GetRoleRequest, ctx: CallContext): GetRoleResponse {
    const roleName = input.RoleName;
    if (roleName === undefined || !ROLE_NAME.test(roleName)) {
      throw constraintViolation(
        roleName,
        'roleName',
        'Member must satisfy regular expression pattern: [\\w+=,.@-]+',
      );
    }
    const role = this.role(ctx.principal.account, roleName);
    if (!role) throw noSuchEntity(`The role with name ${roleName} cannot be found.`);
    return {
      Role: {
        Path: role.path,
        RoleName: role.roleName,
        RoleId: role.roleId,
        Arn: role.arn,
        CreateDate: new Date(role.createdAt),
        // IAM returns the trust policy URL-encoded; callers decode it as they would against AWS.
        AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(role.trustPolicy)),
        MaxSessionDuration: role.maxSessionDuration,
        RoleLastUsed: {},
      },
    };
  }

  private getAccountPasswordPolicy(ctx: CallContext): GetAccountPasswordPolicyResponse {
    const policy = this.passwordPolicies.get(ctx.principal.account);
    if (!policy) throw noPasswordPolicy(ctx.principal.account);
    return { PasswordPolicy: { ...policy } };
  }

  private updateAccountPasswordPolicy(input: UpdateAccountPasswordPolicyRequest, ctx: CallContext): object {
    checkRange(input.MinimumPasswordLength, 'minimumPasswordLength', 6, 128);
    checkRange(input.MaxPasswordAge, 'maxPasswordAge', 1, 1095);
    checkRange(input.PasswordReusePrevention, 'passwordReusePrevention', 1, 24);
    // Like AWS, a parameter left out is reset to its default rather than kept from the old policy.
    const policy: PasswordPolicy = {
      MinimumPasswordLength: input.MinimumPasswordLength ?? 6,
      RequireSymbols: input.RequireSymbols ?? false,
      RequireNumbers: input.RequireNumbers ?? false,
      RequireUppercaseCharacters: input.RequireUppercaseCharacters ?? false,
      RequireLowercaseCharacters: input.RequireLowercaseCharacters ?? false,
      AllowUsersToChangePassword: input.AllowUsersToChangePassword ?? false,
      ExpirePasswords: (input.MaxPasswordAge ?? 0) > 0,
      HardExpiry: input.HardExpiry ?? false,
    };
    if (input.MaxPasswordAge) policy.MaxPasswordAge = input.MaxPasswordAge;
    if (input.PasswordReusePrevention) policy.PasswordReusePrevention = input.PasswordReusePrevention;
    this.passwordPolicies.set(ctx.principal.account, policy);
    return {};
  }

  private deleteAccountPasswordPolicy(ctx: CallContext): object {
    if (!this.passwordPolicies.delete(ctx.principal.account)) throw noPasswordPolicy(ctx.principal.account);
    return {};
  }

  private rolesOf(account: string): Map<string, SandboxRole> {
    let roles = this.roles.get(account);
    if (!roles) {
      roles = new Map();
      this.roles.set(account, roles);
    }
    return roles;
  }
}

function noPasswordPolicy(account: string): QueryError {
  return noSuchEntity(`The Password Policy with domain name ${account} cannot be found.`);
}

function noSuchEntity(message: string): QueryError {
  return queryError('NoSuchEntityException', 'NoSuchEntity', message, 404);
}

/** The trust policy IAM holds for a role that `trusted` (an account id or a service principal) may assume. */
function trustPolicyFor(trusted: string): PolicyDocument {
  const principal = ACCOUNT_ID.test(trusted) ? { AWS: `arn:aws:iam::${trusted}:root` } : { Service: trusted };
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }],
  };
}

/** A stable `AROA…` id, so that a rebuilt world gives the same ids and snapshots stay put. */
function roleIdFor(account: string, roleName: string): string {
  const digest = createHash('sha256').update(`${account}/${roleName}`).digest('hex').toUpperCase();
  return `AROA${digest
    .replace(/[^A-Z2-7]/g, '')
    .padEnd(17, 'Q')
    .slice(0, 17)}`;
}
