import type { AssumeRoleRequest, AssumeRoleResponse, GetCallerIdentityResponse } from '@aws-sdk/client-sts';
import { AwsError } from './aws-error';
import type { SandboxClock } from './clock';
import type { CallContext, Operation, Principal, SandboxService } from './cloud';
import type { SandboxIam } from './iam';
import { checkRange, constraintViolation } from './validation';

/**
 * The STS part of the sandbox cloud. AssumeRole hands out sandbox credentials for a role that
 * exists in the target account, with AWS's validation and its `AccessDenied` wording; whether the
 * role's trust policy admits the caller is evaluated by the cloud's IAM enforcement (see
 * iam-enforcement.ts), so that a missing or mistrusting member role fails as it would in AWS.
 */
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]*$/;
/** AWS caps a session assumed with role credentials ("role chaining") at one hour. */
const ROLE_CHAINING_LIMIT_SECONDS = 3600;

export class SandboxSts implements SandboxService {
  readonly name = 'sts';
  // AssumeRole creates nothing that outlives the session; AWS and the sandbox treat it as a read.
  readonly mutating: ReadonlySet<string> = new Set<string>();
  readonly operations: Readonly<Record<string, Operation>> = {
    AssumeRole: (input: AssumeRoleRequest, ctx: CallContext) => this.assumeRole(input, ctx),
    GetCallerIdentity: (_input: unknown, ctx: CallContext) => this.getCallerIdentity(ctx),
  };

  constructor(
    private readonly iam: SandboxIam,
    private readonly clock: SandboxClock,
  ) {}

  private assumeRole(input: AssumeRoleRequest, ctx: CallContext): AssumeRoleResponse {
    const roleArn = input.RoleArn ?? '';
    if (roleArn.length < 20) {
      throw constraintViolation(roleArn, 'roleArn', 'Member must have length greater than or equal to 20');
    }
    const sessionName = input.RoleSessionName ?? '';
    if (sessionName.length < 2) {
      throw constraintViolation(
        sessionName,
        'roleSessionName',
        'Member must have length greater than or equal to 2',
      );
    }
    if (sessionName.length > 64) {
      throw constraintViolation(
        sessionName,
        'roleSessionName',
        'Member must have length less than or equal to 64',
      );
    }
    if (!SESSION_NAME.test(sessionName)) {
      throw constraintViolation(
        sessionName,
        'roleSessionName',
        'Member must satisfy regular expression pattern: [\\w+=,.@-]*',
      );
    }
    checkRange(input.DurationSeconds, 'durationSeconds', 900, 43200);
    const match = ROLE_ARN.exec(roleArn);
    if (!match) throw new AwsError('ValidationError', `${roleArn} is invalid`);
    const [, account, roleName] = match as unknown as [string, string, string];

    // Whether the caller may assume the role (its trust policy, the caller's identity policies)
    // was decided by the cloud's IAM enforcement before this runs; a role that does not exist
    // is refused with the same AccessDenied, as AWS does.
    const role = this.iam.role(account, roleName);
    if (!role || role.arn.split(':')[5] !== roleArn.split(':')[5]) {
      throw new AwsError(
        'AccessDenied',
        `User: ${ctx.principal.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        403,
      );
    }
    const durationSeconds = input.DurationSeconds ?? 3600;
    if (ctx.principal.roleName !== undefined && durationSeconds > ROLE_CHAINING_LIMIT_SECONDS) {
      throw new AwsError(
        'ValidationError',
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      );
    }
    if (durationSeconds > role.maxSessionDuration) {
      throw new AwsError(
        'ValidationError',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      );
    }

    const expiration = new Date(this.clock() + durationSeconds * 1000);
    const arn = `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`;
    const credentials = ctx.cloud.issueCredentials({ account, roleName, arn }, expiration);
    return {
      Credentials: {
        AccessKeyId: credentials.accessKeyId,
        SecretAccessKey: credentials.secretAccessKey,
        SessionToken: credentials.sessionToken,
        Expiration: expiration,
      },
      AssumedRoleUser: { AssumedRoleId: `${role.roleId}:${sessionName}`, Arn: arn },
    };
  }

  private getCallerIdentity(ctx: CallContext): GetCallerIdentityResponse {
    return { UserId: this.userIdOf(ctx.principal), Account: ctx.principal.account, Arn: ctx.principal.arn };
  }

  /** AWS's `UserId`: the account id for the root identity, `<role id>:<session>` for a role session. */
  private userIdOf(principal: Principal): string {
    if (principal.roleName === undefined) return principal.account;
    const session = principal.arn.split('/').pop() ?? 'session';
    // Identities minted directly by a test (not through IAM) have no role id; any stable id will do.
    const roleId = this.iam.role(principal.account, principal.roleName)?.roleId ?? `AROA${principal.account}`;
    return `${roleId}:${session}`;
  }
}
