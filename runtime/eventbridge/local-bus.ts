import type { WardenConfig } from '../../config/schema';
import { controlTowerLifecyclePattern, guardDutyFindingPattern } from '../../infra/event-patterns';
import { startOnboarding } from '../../tasks/onboarding/start-onboarding';
import { intakeFinding } from '../../tasks/response/intake';
import type { TaskDeps } from '../../tasks/shared/task';
import { type JsonPattern, matchesPattern, renderPattern } from './event-pattern';
import type { AcceptedEntry } from './put-events';

/**
 * The security account's default event bus, locally: the rules the security stack deploys (the
 * same pattern functions from `infra/event-patterns.ts`), each with the function it targets, run
 * in process. A target that throws is recorded as failed, where AWS would retry and then put the
 * event in the rule's dead-letter queue.
 */
export interface LocalRule {
  /** The construct id of the rule in the security stack. */
  name: string;
  pattern: JsonPattern;
  target: string;
  invoke(event: EventBridgeEvent, deps: TaskDeps): Promise<Record<string, unknown>>;
}

/** The event EventBridge delivers to a rule's target (eb-events-structure.html). */
export interface EventBridgeEvent {
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

export interface RuleDelivery {
  rule: string;
  target: string;
  /** What the target answered (the intake's outcome, decision and execution), or its error. */
  result?: Record<string, unknown>;
  error?: { name: string; message: string };
}

export interface EventRecord {
  eventId: string;
  source: string;
  detailType: string;
  receivedAt: string;
  /** Empty when no rule matched: the event is counted as unmatched. */
  deliveries: RuleDelivery[];
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

export class LocalEventBus {
  readonly counts: BusCounts = { received: 0, matched: 0, unmatched: 0, targetFailures: 0 };
  private readonly records = new Map<string, EventRecord>();

  constructor(
    private readonly deps: TaskDeps,
    private readonly rules: readonly LocalRule[] = securityAccountRules(deps.config),
  ) {}

  /**
   * The envelope AWS would give the event. The account and region are those of the service
   * that published it: Control Tower's events arrive forwarded from the management account;
   * GuardDuty publishes a finding in the finding's region under the administrator (security)
   * account, and the forwarding stacks keep that region.
   */
  envelope(entry: AcceptedEntry, eventId: string): EventBridgeEvent {
    const org = this.deps.config.organization;
    const findingRegion = entry.detail.region;
    const region =
      entry.source === 'aws.guardduty' &&
      typeof findingRegion === 'string' &&
      org.regions.includes(findingRegion)
        ? findingRegion
        : org.homeRegion;
    return {
      version: '0',
      id: eventId,
      'detail-type': entry.detailType,
      source: entry.source,
      account: entry.source === 'aws.controltower' ? org.managementAccountId : org.securityAccountId,
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
      deliveries: [],
    };
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
    this.records.set(eventId, record);
    if (this.records.size > KEPT_RECORDS) this.records.delete(this.records.keys().next().value!);
    return record;
  }

  /** What became of an event, by the id PutEvents answered. */
  record(eventId: string): EventRecord | undefined {
    return this.records.get(eventId);
  }
}
