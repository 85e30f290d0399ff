import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { WardenConfig } from '../../config/schema';
import { OrganizationsEventForwarding } from '../constructs/organizations-event-forwarding';

export interface OrganizationsEventsStackProps extends StackProps {
  readonly config: WardenConfig;
}

/**
 * The management account in us-east-1, when the Control Tower home region (where
 * WardenManagement goes) is another one: Organizations delivers its events to EventBridge only
 * in us-east-1, so the rule that forwards account events to the security account lives here.
 */
export class OrganizationsEventsStack extends Stack {
  readonly forwarding: OrganizationsEventForwarding;

  constructor(scope: Construct, id: string, props: OrganizationsEventsStackProps) {
    super(scope, id, {
      description: 'Warden management account: Organizations account events to the security account',
      ...props,
    });
    this.forwarding = new OrganizationsEventForwarding(this, 'OrganizationsEvents', props.config);
  }
}
