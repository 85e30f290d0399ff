import type { WardenConfig } from '../../config/schema';
import { controlTowerLifecyclePattern, guardDutyFindingPattern } from '../../infra/event-patterns';
import { startOnboarding } from '../../tasks/onboarding/start-onboarding';
import { intakeFinding } from '../../tasks/response/intake';
import type { TaskDeps } from '../../tasks/shared/task';
import {
  type BusEvent,
  type BusForward,
  busArn,
  type FunctionInvocation,
  type StateMachineStart,
} from '../sandbox/event-buses';
import type { SandboxOrganization } from '../sandbox/world';
import { type JsonPattern, matchesPattern, renderPattern } from './event-pattern';
import type { AcceptedEntry } from './put-events';

/**
 * The local EventBridge door's bus: an accepted event is put on the default bus of the account
 * and region the AWS service that publishes it would use (see `envelope`), and EventBridge's side
 * is the sandbox's (`SandboxEventBuses.deliver`): the rules the deployed templates declare, with
 * their targets — the intake functions, and the buses of other accounts and regions through the
 * rules' roles. A rule missing from the templates means the event goes nowhere. A target that
 * throws is recorded as failed, where AWS would retry and then put the event in the rule's
 * dead-letter queue.
 *
 * A host with no deployment (and so no rules in its sandbox) gets the rules built from
 * `infra/event-patterns.ts`, run in process (`securityAccountRules`).
 */
export interface LocalRule {
  /** The construct id of the rule in the security stack. */
  name: string;
  pattern: JsonPattern;
  target: string;
  invoke(event: EventBridgeEvent, deps: TaskDeps): Promise<Record<string, unknown>>;
}

/** The event EventBridge delivers to a rule's target (eb-events-structure.html). */
export type EventBridgeEvent = BusEvent;

/**
 * A function target a rule reached, as the sandbox EventBridge reports it without the ARNs: what
 * the target answered (the intake's outcome, decision and execution), or its error.
 */
export type RuleDelivery = Pick<FunctionInvocation, 'rule' | 'target' | 'result' | 'error'>;

export interface EventRecord {
  eventId: string;
  source: string;
  detailType: string;
  receivedAt: string;
  /** The bus the event was put on. */
  bus?: string;
  /** Function targets reached, on any bus the event travelled to. Empty when none. */
  deliveries: RuleDelivery[];
  /** Rules that sent the event on to another bus (another account or Region). */
  forwards?: BusForward[];
  /** Executions that rules with a state machine target started, as their roles. */
  executions?: StateMachineStart[];
  /** Where GuardDuty's findings export put the finding (bucket and object key). */
  exports?: { bucket: string; key: string }[];
}

/** What the bus needs of the local Warden: its sandbox and whether it was deployed. */
export interface BusHost {
  deps: TaskDeps;
  world?: Pick<SandboxOrganization, 'cloud' | 'services'>;
  deployment?: unknown;
}

export interface BusCounts {
  received: number;
  matched: number;
  unmatched: number;
  targetFailures: number;
}

export function securityAccountRules(config: WardenConfig): LocalRule[] {
  return [
    {
      name: 'GuardDutyFindings',
      pattern: renderPattern(guardDutyFindingPattern()),
      target: 'IntakeFinding',
      invoke: async (event, deps) => ({ ...(await intakeFinding(event, deps)) }),
    },
    {
      name: 'ControlTowerLifecycle',
      pattern: renderPattern(controlTowerLifecyclePattern(config.organization.managementAccountId)),
      target: 'StartOnboarding',
      invoke: async (event, deps) => ({ ...(await startOnboarding(event, deps)) }),
    },
  ];
}

const KEPT_RECORDS = 1000;
const ORGANIZATIONS_EVENTS_REGION = 'us-east-1';

export class LocalEventBus {
  readonly counts: BusCounts = { received: 0, matched: 0, unmatched: 0, targetFailures: 0 };
  private readonly records = new Map<string, EventRecord>();

  private readonly deps: TaskDeps;
  /** The sandbox whose rules deliver, when Warden was deployed into it. */
  private readonly sandbox?: Pick<SandboxOrganization, 'cloud' | 'services'>;
  private readonly rules: readonly LocalRule[];

  constructor(host: BusHost) {
    this.deps = host.deps;
    this.sandbox = host.deployment !== undefined ? host.world : undefined;
    this.rules = this.sandbox ? [] : securityAccountRules(host.deps.config);
  }

  /**
   * The envelope AWS would give the event, with the account and region of the service that
   * publishes it:
   * - GuardDuty publishes a finding in the finding's region, and the administrator (security)
   *   account receives its members' findings there; the forwarding stacks bring other regions'
   *   findings to the home region
   *   (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html);
   * - Control Tower emits its lifecycle events in the management account, in the Control Tower
   *   home region (https://docs.aws.amazon.com/controltower/latest/userguide/lifecycle-events.html);
   * - Organizations, a global service, delivers its events to the management account's bus in
   *   us-east-1 only (https://repost.aws/knowledge-center/use-eventbridge-rule-across-regions);
   * - anything else is put on the security account's home-region bus, as a caller there would.
   */
  envelope(entry: AcceptedEntry, eventId: string): EventBridgeEvent {
    const org = this.deps.config.organization;
    const findingRegion = entry.detail.region;
    let account = org.securityAccountId;
    let region = org.homeRegion;
    if (
      entry.source === 'aws.guardduty' &&
      typeof findingRegion === 'string' &&
      org.regions.includes(findingRegion)
    ) {
      region = findingRegion;
    } else if (entry.source === 'aws.controltower') {
      account = org.managementAccountId;
      region = this.sandbox ? (org.controlTowerHomeRegion ?? org.homeRegion) : org.homeRegion;
    } else if (entry.source === 'aws.organizations') {
      account = org.managementAccountId;
      region = this.sandbox ? ORGANIZATIONS_EVENTS_REGION : org.homeRegion;
    }
    return {
      version: '0',
      id: eventId,
      'detail-type': entry.detailType,
      source: entry.source,
      account,
      time: entry.time,
      region,
      resources: entry.resources,
      detail: entry.detail,
    };
  }

  async publish(entry: AcceptedEntry, eventId: string): Promise<EventRecord> {
    const event = this.envelope(entry, eventId);
    this.counts.received++;
    const record: EventRecord = {
      eventId,
      source: entry.source,
      detailType: entry.detailType,
      receivedAt: this.deps.now().toISOString(),
      bus: busArn(event.account, event.region, 'default'),
      deliveries: [],
    };
    if (this.sandbox) {
      // The door stands in for GuardDuty, which also exports the findings it publishes.
      const finding = entry.detail;
      if (
        entry.source === 'aws.guardduty' &&
        entry.detailType === 'GuardDuty Finding' &&
        typeof finding.id === 'string' &&
        typeof finding.accountId === 'string'
      ) {
        record.exports = await this.sandbox.services.guardduty.exportFinding(
          this.sandbox.cloud,
          finding.accountId,
          event.region,
          { id: finding.id, json: finding },
        );
      }
      const report = await this.sandbox.services.events.deliver(this.sandbox.cloud, record.bus!, event);
      record.forwards = report.forwards;
      if (report.executions?.length) record.executions = report.executions;
      for (const start of report.executions ?? []) if (start.error) this.counts.targetFailures++;
      for (const invocation of report.invocations) {
        record.deliveries.push({
          rule: invocation.rule,
          target: invocation.target,
          ...(invocation.result ? { result: invocation.result } : {}),
          ...(invocation.error ? { error: invocation.error } : {}),
        });
        if (invocation.error) this.counts.targetFailures++;
      }
      if (record.deliveries.length > 0 || report.forwards.length > 0 || record.executions)
        this.counts.matched++;
      else this.counts.unmatched++;
      this.keep(record);
      return record;
    }
    for (const rule of this.rules) {
      if (!matchesPattern(rule.pattern, event)) continue;
      const delivery: RuleDelivery = { rule: rule.name, target: rule.target };
      try {
        delivery.result = await rule.invoke(event, this.deps);
      } catch (error) {
        this.counts.targetFailures++;
        delivery.error = { name: (error as Error).name, message: (error as Error).message };
      }
      record.deliveries.push(delivery);
    }
    if (record.deliveries.length > 0) this.counts.matched++;
    else this.counts.unmatched++;
    this.keep(record);
    return record;
  }

  private keep(record: EventRecord): void {
    this.records.set(record.eventId, record);
    if (this.records.size > KEPT_RECORDS) this.records.delete(this.records.keys().next().value!);
  }

  /** What became of an event, by the id PutEvents answered. */
  record(eventId: string): EventRecord | undefined {
    return this.records.get(eventId);
  }
}
