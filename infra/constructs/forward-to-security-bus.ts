import type { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import type { WardenConfig } from '../../config/schema';
import { defaultEventBusArn } from '../names';

/**
 * A rule in `stack` that sends the events it matches on to the security account's default bus in
 * the home region, where Warden's own rules listen. The bus is imported into `busScope` (the stack
 * unless a construct owns the rule), which keeps its construct id unique there.
 */
export function forwardToSecurityBus(
  stack: Stack,
  ruleId: string,
  organization: WardenConfig['organization'],
  rule: { description: string; eventPattern: events.EventPattern },
  busScope: Construct = stack,
  busId = 'SecurityAccountBus',
): events.Rule {
  const securityBus = events.EventBus.fromEventBusArn(
    busScope,
    busId,
    defaultEventBusArn(stack.partition, organization.securityAccountId, organization.homeRegion),
  );
  return new events.Rule(stack, ruleId, { ...rule, targets: [new targets.EventBus(securityBus)] });
}
