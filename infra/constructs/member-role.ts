import { Aws, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { WardenConfig } from '../../config/schema';
import { acknowledgeFindings, wildcardResourceFindings } from '../nag';
import { taskRoleArnPattern } from '../names';

/**
 * Everything Warden does inside a member account, by what it acts on. A test keeps this list and
 * the deployed policy equal.
 */
export const MEMBER_ROLE_ACTIONS = {
  /** Block and unblock: only NACL entries (EC2 names them by their NACL). */
  networkAclEntries: ['ec2:CreateNetworkAclEntry', 'ec2:DeleteNetworkAclEntry'],
  /** Member-side GuardDuty calls on the account's own detectors. */
  detectors: [
    'guardduty:GetDetector',
    'guardduty:UpdateDetector',
    'guardduty:AcceptAdministratorInvitation',
    'guardduty:GetAdministratorAccount',
  ],
  /** Actions that support no resource-level permissions. */
  unscoped: [
    'ec2:DescribeNetworkAcls',
    'ec2:DescribeRegions',
    'ec2:DescribeSubnets',
    'ec2:DescribeInstances',
    'guardduty:CreateDetector',
    'guardduty:ListDetectors',
    'guardduty:ListInvitations',
    'iam:GetAccountPasswordPolicy',
  ],
} as const;

/**
 * The service-linked roles GuardDuty creates on CreateDetector (and when malware protection is on)
 * in an account that never had GuardDuty; the caller needs iam:CreateServiceLinkedRole for them.
 */
export const GUARDDUTY_SERVICE_LINKED_ROLES = [
  'guardduty.amazonaws.com',
  'malware-protection.guardduty.amazonaws.com',
];

export interface WardenMemberRoleProps {
  readonly config: WardenConfig;
}

/**
 * The narrow role Warden assumes in each member account. It trusts only the security account's
 * Warden task roles (`WardenTask-*`), and allows only the NACL, GuardDuty and IAM calls Warden
 * makes there, in Warden's regions.
 */
export class WardenMemberRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: WardenMemberRoleProps) {
    super(scope, id);
    const { organization } = props.config;
    const inWardenRegions = { StringEquals: { 'aws:RequestedRegion': organization.regions } };
    const policy = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'ChangeNetworkAclEntries',
          actions: [...MEMBER_ROLE_ACTIONS.networkAclEntries],
          resources: [`arn:${Aws.PARTITION}:ec2:*:${Aws.ACCOUNT_ID}:network-acl/*`],
          conditions: inWardenRegions,
        }),
        new iam.PolicyStatement({
          sid: 'ManageOwnGuardDutyDetectors',
          actions: [...MEMBER_ROLE_ACTIONS.detectors],
          resources: [`arn:${Aws.PARTITION}:guardduty:*:${Aws.ACCOUNT_ID}:detector/*`],
          conditions: inWardenRegions,
        }),
        new iam.PolicyStatement({
          sid: 'ReadNetworkAndGuardDutyState',
          actions: MEMBER_ROLE_ACTIONS.unscoped.filter((a) => !a.startsWith('iam:')),
          resources: ['*'],
          conditions: inWardenRegions,
        }),
        // IAM is global: aws:RequestedRegion would be us-east-1 whatever Warden's regions are.
        new iam.PolicyStatement({
          sid: 'ReadPasswordPolicy',
          actions: MEMBER_ROLE_ACTIONS.unscoped.filter((a) => a.startsWith('iam:')),
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'LetGuardDutyCreateItsServiceLinkedRoles',
          actions: ['iam:CreateServiceLinkedRole'],
          resources: [
            `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/aws-service-role/*guardduty.amazonaws.com/*`,
          ],
          conditions: { StringEquals: { 'iam:AWSServiceName': GUARDDUTY_SERVICE_LINKED_ROLES } },
        }),
      ],
    });

    this.role = new iam.Role(this, 'Role', {
      roleName: organization.memberRoleName,
      description: 'Warden: blocks attacker addresses in NACLs and joins GuardDuty to the administrator',
      assumedBy: new iam.AccountPrincipal(organization.securityAccountId).withConditions({
        ArnLike: { 'aws:PrincipalArn': taskRoleArnPattern(props.config) },
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
      'Describe*/List*, guardduty:CreateDetector and iam:GetAccountPasswordPolicy support no resource-level ' +
        'permissions; NACLs and detectors are found at run time, so their ARNs fix the service, account and ' +
        'resource type and the statements are limited to Warden regions; the service-linked role statement is ' +
        'limited to GuardDuty by iam:AWSServiceName.',
    );
  }
}
