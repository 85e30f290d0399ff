import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { WardenConfig } from '../config/schema';
import type { WorkflowModule } from '../workflows/index';
import { ORGANIZATIONS_EVENTS_REGION } from './constructs/organizations-event-forwarding';
import { requireControlTowerHomeRegion, requireOrganizationId } from './deploy-requirements';
import { STACK_NAMES } from './names';
import { ManagementStack } from './stacks/management-stack';
import { OrganizationsEventsStack } from './stacks/organizations-events-stack';
import { RegionalForwardingStack } from './stacks/regional-forwarding-stack';
import { SecurityStack } from './stacks/security-stack';

export interface WardenStacks {
  readonly security: SecurityStack;
  readonly management: ManagementStack;
  /** Only when the Control Tower home region is not us-east-1, where Organizations' events are. */
  readonly organizationsEvents?: OrganizationsEventsStack;
  /** One per governed region other than the home region, by region. */
  readonly forwarding: ReadonlyMap<string, RegionalForwardingStack>;
}

export interface WardenOptions {
  /** @default WORKFLOWS */
  readonly workflows?: readonly WorkflowModule[];
  /** Run cdk-nag's AWS Solutions checks on every stack. @default true */
  readonly nag?: boolean;
}

/**
 * Adds Warden's stacks, one per account role, each with an explicit account and region (so
 * synthesis needs no AWS credentials and no lookups). A config that lacks what deploying needs
 * (the organisation id, the Control Tower home region) fails with a `ConfigError` that says why. The member role is not a stack of this app:
 * the management stack's StackSet carries its template to the member accounts.
 */
export function addWardenStacks(app: App, config: WardenConfig, options: WardenOptions = {}): WardenStacks {
  const { organization } = config;
  requireOrganizationId(config);
  // Server access logs are admitted by the log bucket's policy, not by the legacy log-delivery ACL
  // (ACLs are disabled on every Warden bucket).
  app.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
  const security = new SecurityStack(app, STACK_NAMES.security, {
    env: { account: organization.securityAccountId, region: organization.homeRegion },
    config,
    workflows: options.workflows,
  });
  const controlTowerHomeRegion = requireControlTowerHomeRegion(config);
  const management = new ManagementStack(app, STACK_NAMES.management, {
    env: { account: organization.managementAccountId, region: controlTowerHomeRegion },
    config,
    workflows: options.workflows,
  });
  const organizationsEvents =
    controlTowerHomeRegion === ORGANIZATIONS_EVENTS_REGION
      ? undefined
      : new OrganizationsEventsStack(app, STACK_NAMES.organizationsEvents, {
          env: { account: organization.managementAccountId, region: ORGANIZATIONS_EVENTS_REGION },
          config,
        });
  const forwarding = new Map<string, RegionalForwardingStack>();
  for (const region of organization.regions.filter((r) => r !== organization.homeRegion)) {
    forwarding.set(
      region,
      new RegionalForwardingStack(app, STACK_NAMES.forwarding(region), {
        env: { account: organization.securityAccountId, region },
        config,
      }),
    );
  }
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { security, management, ...(organizationsEvents ? { organizationsEvents } : {}), forwarding };
}
