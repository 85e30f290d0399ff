import { ConfigError } from '../config/load';
import type { WardenConfig } from '../config/schema';

/*
 * What deploying Warden requires of the config beyond what the local runtime needs; `cdk synth`
 * stops with the explanation when one is missing.
 */

/**
 * The organisation's id. Without it the task roles' sts:AssumeRole on
 * `arn:…:iam::*:role/<memberRoleName>` would carry no `aws:ResourceOrgID` condition (a role of
 * that name in any AWS account, inside the organisation or not, could be assumed if it trusted
 * Warden), and the member role could not require `aws:PrincipalOrgID` of its callers.
 */
export function requireOrganizationId(config: WardenConfig): string {
  return requiredSetting(
    config,
    'organizationId',
    'without it, the task roles could assume a role named ' +
      `${config.organization.memberRoleName} in any AWS account (no aws:ResourceOrgID condition) and ` +
      'the member role could not require aws:PrincipalOrgID. Set it to your organisation id (o-…, ' +
      'see `aws organizations describe-organization`).',
  );
}

/**
 * The Control Tower home region, where the management stack must run: Control Tower emits its
 * lifecycle events (CreateManagedAccount, UpdateManagedAccount) only in its home region
 * (https://docs.aws.amazon.com/controltower/latest/userguide/lifecycle-events.html), which need
 * not be Warden's home region.
 */
export function requireControlTowerHomeRegion(config: WardenConfig): string {
  return requiredSetting(
    config,
    'controlTowerHomeRegion',
    'Control Tower emits account lifecycle events only in its home region, so the management stack ' +
      'that forwards them must be deployed there (see Landing zone settings in the Control Tower console).',
  );
}

/** The organisation setting deploying needs; without it, a config error that says why it is needed. */
function requiredSetting(
  config: WardenConfig,
  setting: 'organizationId' | 'controlTowerHomeRegion',
  why: string,
): string {
  const value = config.organization[setting];
  if (!value) throw new ConfigError(`organization.${setting} is required to deploy Warden: ${why}`);
  return value;
}
