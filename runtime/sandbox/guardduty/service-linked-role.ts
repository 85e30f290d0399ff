import { accessDeniedError } from '../access-denied';
import type { CallContext } from '../cloud';
import type { SandboxIam } from '../iam';
import { GUARDDUTY_SERVICE_PRINCIPAL } from './model';

/**
 * GuardDuty's service-linked role, `AWSServiceRoleForAmazonGuardDuty`: "automatically created"
 * when GuardDuty is first enabled in an account (in any Region), and GuardDuty creates it with the
 * permissions of whoever enables it, so that caller must be allowed `iam:CreateServiceLinkedRole`
 * for `guardduty.amazonaws.com` (`iam:AWSServiceName`); without it, enabling GuardDuty fails.
 * Once the role exists, later detectors (other Regions) need no such permission.
 * https://docs.aws.amazon.com/guardduty/latest/ug/slr-permissions.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create-service-linked-role.html#service-linked-role-permissions
 *
 * A delegated administrator enabling GuardDuty in a member account of the organisation is
 * GuardDuty's own doing: the role is created there without a caller's permission
 * (`createdByGuardDuty`). A sandbox built without IAM (a GuardDuty-only test world) models no
 * roles, so there is none to create, as its IAM enforcement evaluates nothing.
 */
export async function ensureGuardDutyServiceLinkedRole(ctx: CallContext, account: string): Promise<void> {
  const iam = ctx.cloud.registered<SandboxIam>('iam');
  if (!iam || iam.serviceLinkedRole(account, GUARDDUTY_SERVICE_PRINCIPAL)) return;
  const resource = `arn:aws:iam::${account}:role/aws-service-role/${GUARDDUTY_SERVICE_PRINCIPAL}/AWSServiceRoleForAmazonGuardDuty`;
  const decision = await ctx.cloud.iam.decide(ctx.principal, {
    action: 'iam:CreateServiceLinkedRole',
    resource,
    resourceAccount: account,
    region: ctx.region,
    context: { 'iam:AWSServiceName': GUARDDUTY_SERVICE_PRINCIPAL },
  });
  if (!decision.allowed) {
    throw accessDeniedError('guardduty', {
      principalArn: ctx.principal.arn,
      action: 'iam:CreateServiceLinkedRole',
      resource,
      reason: decision.reason ?? 'no-identity-allow',
    });
  }
  iam.createServiceLinkedRole(account, GUARDDUTY_SERVICE_PRINCIPAL);
}

/** The role GuardDuty creates in a member account it enables itself (organisation auto-enable). */
export function createdByGuardDuty(ctx: CallContext, account: string): void {
  ctx.cloud.registered<SandboxIam>('iam')?.createServiceLinkedRole(account, GUARDDUTY_SERVICE_PRINCIPAL);
}
