import { Aws, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { WardenConfig } from '../../config/schema';
import { grantResources } from '../action-resources';
import { requireOrganizationId } from '../deploy-requirements';
import { acknowledgeFindings, wildcardResourceFindings } from '../nag';
import { taskRoleArn } from '../names';
import { type DeployedTask, WiringError } from '../task-catalog';

/**
 * The service-linked roles GuardDuty creates on CreateDetector (and when malware protection is on)
 * in an account that never had GuardDuty; the caller needs iam:CreateServiceLinkedRole for them.
 */
export const GUARDDUTY_SERVICE_LINKED_ROLES = [
  'guardduty.amazonaws.com',
  'malware-protection.guardduty.amazonaws.com',
];

/**
 * The only service-linked roles Warden's calls create are GuardDuty's (CreateDetector in an
 * account that never had GuardDuty, https://docs.aws.amazon.com/guardduty/latest/ug/slr-permissions.html):
 * iam:CreateServiceLinkedRole on roles under their path, for those services only. The member role
 * and the security account's roles that create the administrator's detector both grant it so.
 */
export function guardDutyServiceLinkedRoleStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'LetGuardDutyCreateItsServiceLinkedRoles',
    actions: ['iam:CreateServiceLinkedRole'],
    resources: [
      `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/aws-service-role/*guardduty.amazonaws.com/*`,
    ],
    conditions: { StringEquals: { 'iam:AWSServiceName': GUARDDUTY_SERVICE_LINKED_ROLES } },
  });
}

export interface WardenMemberRoleProps {
  readonly config: WardenConfig;
  /** Every Warden function; the role serves those whose needs say `assumeMemberRole`. */
  readonly tasks: readonly Pick<DeployedTask, 'id' | 'needs'>[];
}

/** The tasks that act in member accounts, and the union of what they call there. */
export function memberRoleUsers(tasks: readonly Pick<DeployedTask, 'id' | 'needs'>[]): {
  taskIds: string[];
  actions: string[];
} {
  const users = tasks.filter((t) => t.needs.assumeMemberRole);
  return {
    taskIds: users.map((t) => t.id).sort(),
    actions: [...new Set(users.flatMap((t) => t.needs.memberActions ?? []))].sort(),
  };
}

/**
 * The narrow role Warden assumes in each member account. Its policy is the union of the
 * `memberActions` of the tasks that assume it, each granted on the resource types the Service
 * Authorization Reference lists for it (or `*`), in Warden's regions; it trusts exactly those
 * tasks' roles (`WardenTask-<id>`), and only from within the organisation.
 */
export class WardenMemberRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: WardenMemberRoleProps) {
    super(scope, id);
    const { organization } = props.config;
    const organizationId = requireOrganizationId(props.config);
    const { taskIds, actions } = memberRoleUsers(props.tasks);
    if (taskIds.length === 0) throw new WiringError('no task assumes the member role: it would trust nobody');
    const inWardenRegions = { StringEquals: { 'aws:RequestedRegion': organization.regions } };
    const context = { partition: Aws.PARTITION, account: Aws.ACCOUNT_ID, regions: ['*'] };

    const groups = new Map<
      string,
      { sid: string; actions: string[]; resources: string[]; global: boolean }
    >();
    const statements: iam.PolicyStatement[] = [];
    for (const action of actions) {
      const [service] = action.split(':') as [string];
      if (action === 'iam:CreateServiceLinkedRole') {
        statements.push(guardDutyServiceLinkedRoleStatement());
        continue;
      }
      const resources = grantResources(action, context);
      // IAM is global: aws:RequestedRegion would be us-east-1 whatever Warden's regions are.
      const global = service === 'iam';
      const key = `${global}|${resources.join(',')}`;
      const group = groups.get(key) ?? {
        sid: `${pascal(service)}${resources[0] === '*' ? 'WithoutResourceTypes' : 'OnTheirResources'}`,
        actions: [],
        resources,
        global,
      };
      group.actions.push(action);
      groups.set(key, group);
    }
    for (const group of groups.values()) {
      statements.push(
        new iam.PolicyStatement({
          sid: group.sid,
          actions: group.actions,
          resources: group.resources,
          ...(group.global ? {} : { conditions: inWardenRegions }),
        }),
      );
    }
    const policy = new iam.PolicyDocument({ statements });

    this.role = new iam.Role(this, 'Role', {
      roleName: organization.memberRoleName,
      description: 'Warden: blocks attacker addresses in NACLs and joins GuardDuty to the administrator',
      assumedBy: new iam.AccountPrincipal(organization.securityAccountId).withConditions({
        ArnEquals: { 'aws:PrincipalArn': taskIds.map((t) => taskRoleArn(Aws.PARTITION, props.config, t)) },
        StringEquals: { 'aws:PrincipalOrgID': organizationId },
      }),
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: { WardenMemberActions: policy },
    });

    acknowledgeFindings(
      this.role,
      'IAM5',
      wildcardResourceFindings(this.role, [
        '*',
        ...policy
          .toJSON()
          .Statement.flatMap((statement: { Resource: string | string[] }) => statement.Resource),
      ]),
      'Actions for which the Service Authorization Reference lists no resource type are granted on *; ' +
        'NACLs are found at run time, so their ARNs fix the service, account and resource type; every ' +
        'statement but IAM (global) is limited to Warden regions; the service-linked role statement is ' +
        'limited to GuardDuty by iam:AWSServiceName.',
    );
  }
}

function pascal(service: string): string {
  return service.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
}
