import { createHash } from 'node:crypto';
import type {
  GetAccountPasswordPolicyResponse,
  GetRoleRequest,
  GetRoleResponse,
  PasswordPolicy,
  UpdateAccountPasswordPolicyRequest,
} from '@aws-sdk/client-iam';
import type { SandboxClock } from './clock';
import type { CallContext, Operation, SandboxService } from './cloud';
import { type QueryError, queryError } from './query-error';
import { SandboxSetupError } from './setup-error';
import { checkRange, constraintViolation } from './validation';

/**
 * The IAM part of the sandbox cloud: roles and the account password policy, per account.
 *
 * A role's trust policy is reduced to the one thing Warden relies on — which account (or which
 * service) may assume it — and STS reads it through `role()`. IAM is global, so the region the
 * call was signed for plays no part.
 */
export interface SandboxRole {
  account: string;
  roleName: string;
  roleId: string;
  arn: string;
  /** An account id (`123456789012`) or a service principal (`lambda.amazonaws.com`). */
  trusted: string;
  /** @default 3600 - seconds, as IAM's own default */
  maxSessionDuration: number;
  createdAt: number;
}

export interface CreateRoleOptions {
  /** Longest session AssumeRole may grant, 3600–43200 seconds. @default 3600 */
  maxSessionDuration?: number;
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

export class SandboxIam implements SandboxService {
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

  /** account → role name → role */
  private readonly roles = new Map<string, Map<string, SandboxRole>>();
  private readonly passwordPolicies = new Map<string, PasswordPolicy>();

  constructor(private readonly clock: SandboxClock) {}

  /** Creates a role in `account` that `trusted` (an account id or a service principal) may assume. */
  createRole(
    account: string,
    roleName: string,
    trusted: string,
    options: CreateRoleOptions = {},
  ): SandboxRole {
    if (!ROLE_NAME.test(roleName)) throw new SandboxSetupError(`invalid IAM role name '${roleName}'`);
    const maxSessionDuration = options.maxSessionDuration ?? 3600;
    if (maxSessionDuration < 3600 || maxSessionDuration > 43200) {
      throw new SandboxSetupError(
        `maxSessionDuration must be between 3600 and 43200, got ${maxSessionDuration}`,
      );
    }
    const roles = this.rolesOf(account);
    if (roles.has(roleName)) {
      throw new SandboxSetupError(`role ${roleName} already exists in account ${account}`);
    }
    const role: SandboxRole = {
      account,
      roleName,
      roleId: roleIdFor(account, roleName),
      arn: `arn:aws:iam::${account}:role/${roleName}`,
      trusted,
      maxSessionDuration,
      createdAt: this.clock(),
    };
    roles.set(roleName, role);
    return role;
  }

  deleteRole(account: string, roleName: string): void {
    this.rolesOf(account).delete(roleName);
  }

  role(account: string, roleName: string): SandboxRole | undefined {
    return this.roles.get(account)?.get(roleName);
  }

  /** Reads an account's password policy without a call, e.g. to arrange or assert in tests. */
  passwordPolicy(account: string): PasswordPolicy | undefined {
    const policy = this.passwordPolicies.get(account);
    return policy && { ...policy };
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
        Path: '/',
        RoleName: role.roleName,
        RoleId: role.roleId,
        Arn: role.arn,
        CreateDate: new Date(role.createdAt),
        // IAM returns the trust policy URL-encoded; callers decode it as they would against AWS.
        AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trustPolicy(role.trusted))),
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

function trustPolicy(trusted: string): object {
  const principal = /^\d{12}$/.test(trusted) ? { AWS: `arn:aws:iam::${trusted}:root` } : { Service: trusted };
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
