import { ACCOUNT_ID } from '../../config/aws-names';
import { type JsonPattern, matchesPattern } from '../eventbridge/event-pattern';
import type { Principal, SandboxCloud } from './cloud';
import type { SandboxLambdaFunctions } from './lambda-functions';
import type { PolicyDocument } from './policy-document';
import { PolicyGuardedStore } from './policy-guarded-store';
import type { GuardedResource } from './resource-policy';
import { SandboxSetupError } from './setup-error';

/**
 * The EventBridge event buses of the sandbox, as far as access to them goes: owner, region and
 * the bus's resource-based policy, which is what lets another account (or a service) put events
 * on the bus. Every account has a `default` bus in every region.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html
 *
 * The rules the deployed templates declare (`AWS::Events::Rule`: bus, pattern, targets) live on
 * their buses, and `deliver` does EventBridge's side of an event (see `deliver`): a rule missing
 * from the templates means the event goes nowhere.
 */
export interface SandboxEventBus {
  name: string;
  account: string;
  region: string;
  arn: string;
  policy?: PolicyDocument;
}

/** An event as EventBridge delivers it to a target (eb-events-structure.html). */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface RuleTarget {
  id: string;
  arn: string;
  /** The role EventBridge assumes to deliver (event bus targets). */
  roleArn?: string;
}

export interface SandboxRule {
  name: string;
  arn: string;
  account: string;
  region: string;
  busArn: string;
  pattern: JsonPattern;
  targets: RuleTarget[];
}

/** Why EventBridge could not deliver to a target: the error's name and message. */
export interface DeliveryError {
  name: string;
  message: string;
}

/** A function target EventBridge invoked, with what it answered or why it was not invoked. */
export interface FunctionInvocation {
  rule: string;
  busArn: string;
  functionArn: string;
  /** The function's short name for people (Warden's task id), else its ARN. */
  target: string;
  result?: Record<string, unknown>;
  error?: DeliveryError;
}

/** An event a rule sent on to another bus, or why it could not. */
export interface BusForward {
  rule: string;
  from: string;
  to: string;
  error?: DeliveryError;
}

/** An execution a rule started on a state machine target, or why it could not. */
export interface StateMachineStart {
  rule: string;
  stateMachineArn: string;
  executionArn?: string;
  error?: DeliveryError;
}

export interface DeliveryReport {
  invocations: FunctionInvocation[];
  forwards: BusForward[];
  /** Executions started on state machine targets. @default - none */
  executions?: StateMachineStart[];
}

export const EVENTS_PRINCIPAL = 'events.amazonaws.com';
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]{1,64})$/;
const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:/;
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):stateMachine:[^:]+$/;
const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;
const BUS_ARN = /^arn:aws[a-z-]*:events:([a-z0-9-]+):(\d{12}):event-bus\/(.+)$/;

export class SandboxEventBuses extends PolicyGuardedStore<SandboxEventBus> {
  readonly name = 'events';
  private readonly rules = new Map<string, SandboxRule>();

  /** What `AWS::Events::EventBus` creates; returns the bus. */
  createEventBus(
    account: string,
    region: string,
    name: string,
    options: { policy?: unknown } = {},
  ): SandboxEventBus {
    if (!ACCOUNT_ID.test(account)) throw new SandboxSetupError(`account must be 12 digits, got '${account}'`);
    if (!BUS_NAME.test(name)) throw new SandboxSetupError(`invalid event bus name '${name}'`);
    const arn = busArn(account, region, name);
    if (this.resources.has(arn) || name === 'default')
      throw new SandboxSetupError(`event bus ${arn} already exists`);
    return this.add({ name, account, region, arn }, options.policy, `event bus ${name}`);
  }

  /** What `PutPermission` / `AWS::Events::EventBusPolicy` leave on the bus: its whole policy. */
  putBusPolicy(arn: string, policy: unknown): void {
    const bus = this.bus(arn);
    if (!bus) throw new SandboxSetupError(`no event bus ${arn}`);
    this.attachPolicy(bus, policy, `event bus ${bus.name}`);
  }

  /** The bus `arn` names; an account's `default` bus exists without being created. */
  bus(arn: string): SandboxEventBus | undefined {
    const existing = this.resources.get(arn);
    if (existing) return existing;
    const [, region, account, name] = BUS_ARN.exec(arn) ?? [];
    if (name !== 'default' || region === undefined || account === undefined) return undefined;
    const bus: SandboxEventBus = { name, account, region, arn };
    this.resources.set(arn, bus);
    return bus;
  }

  /** What `AWS::Events::Rule` creates: the rule on its bus (a second put replaces it, as PutRule does). */
  putRule(rule: Omit<SandboxRule, 'arn' | 'busArn'> & { busName: string }): SandboxRule {
    const busArnOfRule = rule.busName.startsWith('arn:')
      ? rule.busName
      : busArn(rule.account, rule.region, rule.busName);
    if (!this.bus(busArnOfRule))
      throw new SandboxSetupError(`no event bus ${busArnOfRule} for rule ${rule.name}`);
    const arn =
      rule.busName === 'default' || rule.busName.endsWith('/default')
        ? `arn:aws:events:${rule.region}:${rule.account}:rule/${rule.name}`
        : `arn:aws:events:${rule.region}:${rule.account}:rule/${busArnOfRule.split('/').pop()}/${rule.name}`;
    const stored: SandboxRule = {
      name: rule.name,
      arn,
      account: rule.account,
      region: rule.region,
      busArn: busArnOfRule,
      pattern: rule.pattern,
      targets: rule.targets.map((t) => ({ ...t })),
    };
    this.rules.set(arn, stored);
    return stored;
  }

  rulesOn(busArnToMatch: string): SandboxRule[] {
    return [...this.rules.values()].filter((r) => r.busArn === busArnToMatch);
  }

  /**
   * EventBridge's side of an event on a bus: every rule of the bus whose pattern matches sends it
   * to each of its targets.
   * - A Lambda target is invoked only if the function's resource-based policy lets
   *   `events.amazonaws.com` invoke it for this rule (eb-use-resource-based.html).
   * - An event bus target (another account or Region) is reached as `putOnBus` describes. The
   *   event keeps its `account`, `region` and `source`. An event that arrived from another bus is
   *   not sent on to a third one (eb-bus-to-bus.html: EventBridge does not route an event received
   *   from a sender bus to a third bus).
   * - A state machine target is started as the target's role (`startAsRule`).
   * Targets of other kinds are reported as not delivered. EventBridge's own calls are not counted
   * among the calls the cloud records: they are AWS's, not the caller's.
   */
  async deliver(
    cloud: SandboxCloud,
    toBus: string,
    event: BusEvent,
    forwarded = false,
  ): Promise<DeliveryReport> {
    const report: DeliveryReport = { invocations: [], forwards: [], executions: [] };
    for (const rule of this.rulesOn(toBus)) {
      if (!matchesPattern(rule.pattern, event)) continue;
      for (const target of rule.targets) {
        if (target.arn.startsWith('arn:') && target.arn.split(':')[2] === 'events') {
          if (forwarded) continue;
          const forward: BusForward = { rule: rule.name, from: toBus, to: target.arn };
          report.forwards.push(forward);
          try {
            await this.putOnBus(cloud, rule, target, event);
          } catch (error) {
            forward.error = errorOf(error);
            continue;
          }
          const next = await this.deliver(cloud, target.arn, event, true);
          report.invocations.push(...next.invocations);
          report.forwards.push(...next.forwards);
          report.executions!.push(...(next.executions ?? []));
        } else if (FUNCTION_ARN.test(target.arn)) {
          report.invocations.push(await this.invokeAsRule(cloud, rule, target, event));
        } else if (STATE_MACHINE_ARN.test(target.arn)) {
          report.executions!.push(await this.startAsRule(cloud, rule, target, event));
        } else {
          report.invocations.push({
            rule: rule.name,
            busArn: toBus,
            functionArn: target.arn,
            target: target.arn,
            error: {
              name: 'UnsupportedTarget',
              message: `the sandbox delivers to Lambda functions, event buses and state machines, not to ${target.arn}`,
            },
          });
        }
      }
    }
    return report;
  }

  /**
   * Puts the event on a target bus, as EventBridge does:
   * - With the target's role: EventBridge assumes it (its trust policy must admit
   *   `events.amazonaws.com`; "This execution role must be in the same account as the event bus")
   *   and puts the event as that role, so the role's identity policy must allow `events:PutEvents`
   *   on the target bus and, across accounts, the target bus's policy must admit the role
   *   (eb-service-cross-account.html, eventbridge-cross-account-event-delivery.html,
   *   eb-event-bus-perms.html).
   * - Without a role, to a bus in another Region: refused. AWS's pages do not say outright that
   *   a role is required here. "Sending and receiving events between AWS Regions"
   *   (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html) only has the
   *   console steps, and "Permissions for event buses" says "We recommend always using IAM roles
   *   when the target of a rule is an event bus. You can attach IAM roles using PutTarget calls."
   *   (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html). The AWS
   *   CDK's maintainers found a role needed: "When we started supporting cross-region event
   *   targets, we needed to add a role to the event-bus target"
   *   (https://github.com/aws/aws-cdk/pull/15717). The sandbox refuses, the stricter reading: it
   *   can make a local run fail where AWS might deliver, never the reverse. Warden's own bus
   *   targets (`targets.EventBus`) always carry a role.
   * - Without a role, to another account's bus in the same Region: EventBridge sends as the
   *   rule's account, so the target bus's policy must admit that account by its id. The Target
   *   data type: "If you are setting the event bus of another account as the target, and that
   *   account granted permission to your account through an organization instead of directly by
   *   the account ID, then you must specify a RoleArn with proper permissions in the Target
   *   structure" (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Target.html);
   *   PutPermission: "If you grant permissions using an organization, then accounts in that
   *   organization must specify a RoleArn with proper permissions when they use PutTarget to add
   *   your account's event bus as a target"
   *   (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutPermission.html). So
   *   a grant by `aws:PrincipalOrgID` does not admit it.
   */
  private async putOnBus(
    cloud: SandboxCloud,
    rule: SandboxRule,
    target: RuleTarget,
    event: BusEvent,
  ): Promise<void> {
    const receiver = this.bus(target.arn);
    if (!receiver) throw namedError('ResourceNotFoundException', `Event bus ${target.arn} does not exist.`);
    const entries = {
      Entries: [{ EventBusName: target.arn, Source: event.source, DetailType: event['detail-type'] }],
    };
    if (target.roleArn !== undefined) {
      const principal = await this.assumeTargetRole(cloud, rule, target.roleArn);
      await cloud.iam.authorizeCall('events', 'PutEvents', entries, principal, receiver.region);
      return;
    }
    if (receiver.region !== rule.region) {
      throw namedError(
        'ValidationException',
        `rule ${rule.name} targets event bus ${target.arn} in another Region without a RoleArn: the sandbox sends to another Region only with the target's role, as AWS recommends for every bus target`,
      );
    }
    if (receiver.account === rule.account) return;
    const decision = await cloud.iam.decide(
      { account: rule.account, arn: `arn:aws:iam::${rule.account}:root` },
      {
        action: 'events:PutEvents',
        resource: receiver.arn,
        resourceAccount: receiver.account,
        region: receiver.region,
        context: { 'events:source': event.source, 'events:detail-type': event['detail-type'] },
      },
      { organizationContext: false },
    );
    if (!decision.allowed) {
      throw namedError(
        'AccessDeniedException',
        `rule ${rule.name} sends to event bus ${target.arn} without a RoleArn, as account ${rule.account}, and the bus's policy does not admit that account by its id (a grant to the organisation needs the target's role)`,
      );
    }
  }

  /**
   * A state machine target: "For EC2 instances, Kinesis Data Streams, Step Functions state
   * machines and API Gateway APIs, EventBridge relies on IAM roles that you specify in the
   * RoleArn argument in PutTargets"
   * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutTargets.html). EventBridge
   * assumes the role and calls StartExecution with the event as the execution's input, so the
   * role must allow `states:StartExecution` on the state machine
   * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-identity-based.html). The
   * role must be in the rule's account, and Step Functions is not among the targets EventBridge
   * sends to in another account (eb-service-cross-account.html). The call is authorized as the
   * role, so the IAM coverage records the statement that allowed it.
   */
  private async startAsRule(
    cloud: SandboxCloud,
    rule: SandboxRule,
    target: RuleTarget,
    event: BusEvent,
  ): Promise<StateMachineStart> {
    const start: StateMachineStart = { rule: rule.name, stateMachineArn: target.arn };
    try {
      if (target.roleArn === undefined) {
        throw namedError(
          'ValidationException',
          `rule ${rule.name} targets state machine ${target.arn} without a RoleArn: EventBridge starts executions only with the target's role`,
        );
      }
      const [, region, account] = STATE_MACHINE_ARN.exec(target.arn)!;
      if (account !== rule.account) {
        throw namedError(
          'ValidationException',
          `rule ${rule.name} targets state machine ${target.arn} in another account: EventBridge sends to Step Functions in the rule's own account only`,
        );
      }
      const principal = await this.assumeTargetRole(cloud, rule, target.roleArn);
      const input = { stateMachineArn: target.arn, input: JSON.stringify(event) };
      await cloud.iam.authorizeCall('sfn', 'StartExecution', input, principal, region!);
      const sfn = cloud.service('sfn');
      const out = (await sfn.operations.StartExecution!(input, { principal, region: region!, cloud })) as {
        executionArn: string;
      };
      start.executionArn = out.executionArn;
    } catch (error) {
      start.error = errorOf(error);
    }
    return start;
  }

  /** EventBridge's session of the target's role, once the role's trust policy admitted it for this rule. */
  private async assumeTargetRole(
    cloud: SandboxCloud,
    rule: SandboxRule,
    roleArn: string,
  ): Promise<Principal> {
    const role = ROLE_ARN.exec(roleArn);
    if (!role)
      throw namedError('ValidationException', `RoleArn '${roleArn}' of rule ${rule.name} is not a role ARN`);
    if (role[1] !== rule.account) {
      throw namedError(
        'ValidationException',
        `rule ${rule.name}: the execution role ${roleArn} must be in the same account as the event bus (${rule.account})`,
      );
    }
    const assume = await cloud.iam.decideForService({
      servicePrincipal: EVENTS_PRINCIPAL,
      action: 'sts:AssumeRole',
      resource: roleArn,
      sourceAccount: rule.account,
      sourceArn: rule.arn,
    });
    if (!assume.allowed) {
      throw namedError(
        'AccessDeniedException',
        `EventBridge cannot assume ${roleArn} for rule ${rule.name}: its trust policy does not admit ${EVENTS_PRINCIPAL}`,
      );
    }
    return {
      account: role[1]!,
      roleName: role[2]!,
      arn: `arn:aws:sts::${role[1]}:assumed-role/${role[2]}/${EVENTS_PRINCIPAL}`,
    };
  }

  private async invokeAsRule(
    cloud: SandboxCloud,
    rule: SandboxRule,
    target: RuleTarget,
    event: BusEvent,
  ): Promise<FunctionInvocation> {
    const lambda = cloud.service<SandboxLambdaFunctions>('lambda');
    const fn = lambda.function(target.arn);
    const invocation: FunctionInvocation = {
      rule: rule.name,
      busArn: rule.busArn,
      functionArn: target.arn,
      target: fn?.label ?? target.arn,
    };
    try {
      if (!fn) throw namedError('ResourceNotFoundException', `Function not found: ${target.arn}`);
      const decision = await cloud.iam.decideForService({
        servicePrincipal: EVENTS_PRINCIPAL,
        action: 'lambda:InvokeFunction',
        resource: fn.arn,
        sourceAccount: rule.account,
        sourceArn: rule.arn,
      });
      if (!decision.allowed) {
        throw namedError(
          'AccessDeniedException',
          `the resource-based policy of ${fn.arn} does not let ${EVENTS_PRINCIPAL} invoke it for rule ${rule.name}`,
        );
      }
      if (!fn.handler) throw namedError('ServiceException', `${fn.arn} has no code the local runtime runs`);
      invocation.result = { ...((await fn.handler(structuredClone(event))) as Record<string, unknown>) };
    } catch (error) {
      invocation.error = errorOf(error);
    }
    return invocation;
  }

  guardedResource(arn: string): GuardedResource | undefined {
    return this.bus(arn) && this.guarded(arn);
  }
}

export function busArn(account: string, region: string, name: string): string {
  return `arn:aws:events:${region}:${account}:event-bus/${name}`;
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

function errorOf(error: unknown): DeliveryError {
  const e = error as Error;
  return { name: e.name, message: e.message };
}
