import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { WardenConfig } from '../../config/schema';
import { forwardToSecurityBus } from '../constructs/forward-to-security-bus';
import { guardDutyFindingPattern } from '../event-patterns';

export interface RegionalForwardingStackProps extends StackProps {
  readonly config: WardenConfig;
}

/**
 * The security account in a governed region other than the home region. The administrator's
 * detector there receives its members' findings; this rule sends them to the home region's
 * default bus, where the finding intake listens. Cross-region delivery needs a role, which the
 * target creates with events:PutEvents on that bus only.
 */
export class RegionalForwardingStack extends Stack {
  constructor(scope: Construct, id: string, props: RegionalForwardingStackProps) {
    super(scope, id, {
      description: 'Warden: forwards GuardDuty findings of this region to the home region',
      ...props,
    });
    const { organization } = props.config;
    forwardToSecurityBus(
      this,
      'ForwardGuardDutyFindings',
      organization,
      {
        description: `Warden: GuardDuty findings to ${organization.homeRegion}`,
        eventPattern: guardDutyFindingPattern(),
      },
      this,
      'HomeRegionBus',
    );
  }
}
