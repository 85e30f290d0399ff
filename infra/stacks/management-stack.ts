import { Annotations, CfnParameter, Stack, type StackProps } from 'aws-cdk-lib';
import * as cfn from 'aws-cdk-lib/aws-cloudformation';
import type { Construct } from 'constructs';
import type { WardenConfig } from '../../config/schema';
import { WORKFLOWS, type WorkflowModule } from '../../workflows/index';
import { forwardToSecurityBus } from '../constructs/forward-to-security-bus';
import { memberRoleUsers } from '../constructs/member-role';
import {
  ORGANIZATIONS_EVENTS_REGION,
  OrganizationsEventForwarding,
} from '../constructs/organizations-event-forwarding';
import { controlTowerLifecyclePattern } from '../event-patterns';
import { MEMBER_ROLE_STACK_SET_NAME } from '../names';
import { deployedFunctions } from '../task-catalog';
import { TRIGGERED_FUNCTIONS } from '../triggers';
import { renderMemberRoleTemplate } from './member-role-stack';

export interface ManagementStackProps extends StackProps {
  readonly config: WardenConfig;
  /** The workflows the security stack deploys (the member role serves their tasks). @default WORKFLOWS */
  readonly workflows?: readonly WorkflowModule[];
}

/**
 * The management account, in the Control Tower home region (Control Tower emits its lifecycle
 * events only there:
 * https://docs.aws.amazon.com/controltower/latest/userguide/lifecycle-events.html):
 * - forwards CreateManagedAccount / UpdateManagedAccount events to the security account's default
 *   event bus, which admits them with a bus policy (SecurityStack), and Organizations' account
 *   events when that region is us-east-1 (else WardenOrganizationsEvents does);
 * - deploys the member role to every member account through a service-managed StackSet with
 *   automatic deployment, so that accounts created later get it without a human step.
 */
export class ManagementStack extends Stack {
  /** Absent when no deployed task assumes the member role. */
  readonly stackSet?: cfn.CfnStackSet;

  constructor(scope: Construct, id: string, props: ManagementStackProps) {
    super(scope, id, {
      description: 'Warden management account: Control Tower event forwarding, member role StackSet',
      ...props,
    });
    const { organization } = props.config;

    forwardToSecurityBus(this, 'ForwardControlTowerLifecycle', organization, {
      description: 'Warden: Control Tower account lifecycle events to the security account',
      eventPattern: controlTowerLifecyclePattern(),
    });
    // Organizations delivers its events only in us-east-1: the rule is here when this stack is
    // there, else in WardenOrganizationsEvents (see OrganizationsEventForwarding).
    if (this.region === ORGANIZATIONS_EVENTS_REGION) {
      new OrganizationsEventForwarding(this, 'OrganizationsEvents', props.config);
    }

    const tasks = [...deployedFunctions(props.workflows ?? WORKFLOWS, TRIGGERED_FUNCTIONS).values()];
    if (memberRoleUsers(tasks).taskIds.length === 0) {
      Annotations.of(this).addWarningV2(
        'warden:no-member-role-users',
        'no deployed task assumes the member role: the member role StackSet is left out',
      );
      return;
    }

    const deploymentTargets =
      organization.memberRoleTargets ??
      new CfnParameter(this, 'MemberRoleDeploymentTargets', {
        type: 'CommaDelimitedList',
        description:
          'The organisation root id (r-…) or OU ids the Warden member role is deployed to ' +
          '(set organization.memberRoleTargets in the config to fix them at synth)',
      }).valueAsList;

    this.stackSet = new cfn.CfnStackSet(this, 'MemberRoleStackSet', {
      stackSetName: MEMBER_ROLE_STACK_SET_NAME,
      description: 'Warden member role in every member account',
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      capabilities: ['CAPABILITY_NAMED_IAM'],
      managedExecution: { Active: true },
      operationPreferences: {
        regionConcurrencyType: 'PARALLEL',
        maxConcurrentPercentage: 25,
        failureTolerancePercentage: 10,
      },
      // IAM is global: one region per account is enough.
      stackInstancesGroup: [
        {
          regions: [organization.homeRegion],
          deploymentTargets: { organizationalUnitIds: deploymentTargets },
        },
      ],
      templateBody: JSON.stringify(renderMemberRoleTemplate(props.config, props.workflows)),
    });
  }
}
