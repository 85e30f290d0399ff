import type { Stack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import type { WardenConfig } from '../../config/schema';
import { organizationsAccountPattern } from '../event-patterns';
import { forwardToSecurityBus } from './forward-to-security-bus';

/**
 * Where Organizations delivers its events to EventBridge. AWS global services (IAM, AWS
 * Organizations, AWS Account Management) deliver events only to US East (N. Virginia), so a rule
 * for them works only there
 * (https://repost.aws/knowledge-center/use-eventbridge-rule-across-regions).
 */
export const ORGANIZATIONS_EVENTS_REGION = 'us-east-1';

/**
 * The management account's rule that forwards Organizations' account events (joined, created,
 * moved, removed) to the security account's default bus in the home region, where the accounts
 * intake keeps the account list current. It must live in ORGANIZATIONS_EVENTS_REGION.
 */
export class OrganizationsEventForwarding extends Construct {
  readonly rule: events.Rule;

  constructor(scope: Stack, id: string, config: WardenConfig) {
    super(scope, id);
    const { organization } = config;
    this.rule = forwardToSecurityBus(
      scope,
      'ForwardOrganizationsAccountEvents',
      organization,
      {
        description: 'Warden: Organizations account events to the security account',
        eventPattern: organizationsAccountPattern(),
      },
      this,
    );
  }
}
