import { parseConfig } from '../../../config/load';
import { ManualClock } from '../../../runtime/clock';
import { deployStepsFor, performDeploySteps } from '../../../runtime/deployment/deploy-steps';
import { type EventRecord, LocalEventBus } from '../../../runtime/eventbridge/local-bus';
import type { AcceptedEntry } from '../../../runtime/eventbridge/put-events';
import { type LocalSession, type LocalWarden, startLocalSession } from '../../../runtime/local-warden';
import { demoMembers } from '../../../runtime/sandbox/demo-organization';
import { exampleOrganization } from '../../fixtures/example-organization';
import { makeFindingEvent } from '../../fixtures/findings';
import { makeControlTowerEvent } from '../../workflows/onboarding/harness';
import { deliveryTo } from './delivery';

/**
 * The rules the deployed templates declare, delivered by the sandbox's EventBridge: the security
 * stack's rules invoke the intake functions (as their Lambda permissions allow), the forwarding
 * stacks' and the management stack's rules reach the security account's home bus with their own
 * roles, admitted by its bus policy. Nothing is wired by hand: what the templates leave out does
 * not happen.
 */
const MEMBERS = demoMembers(2);
const HOME = 'eu-west-1';
const OTHER = 'eu-central-1';
const config = parseConfig({
  organization: exampleOrganization([HOME, OTHER]),
  onboarding: { mode: 'invitation' },
  response: { mode: 'dry-run' },
});

function entryOf(event: Record<string, unknown>): AcceptedEntry {
  return {
    source: event.source as string,
    detailType: event['detail-type'] as string,
    detail: event.detail as Record<string, unknown>,
    resources: [],
    time: '2026-03-01T10:06:00Z',
  };
}

let eventIds = 0;
async function put(bus: LocalEventBus, event: Record<string, unknown>): Promise<EventRecord> {
  eventIds += 1;
  return bus.publish(entryOf(event), `00000000-0000-0000-0000-${String(eventIds).padStart(12, '0')}`);
}

function start(): Promise<LocalSession> {
  return startLocalSession({
    config,
    members: MEMBERS,
    clock: new ManualClock(Date.parse('2026-03-01T10:06:00Z')),
    workflows: ['onboarding', 'response'],
  });
}

describe('EventBridge rules from the deployed templates', () => {
  let session: LocalSession;
  let warden: LocalWarden;
  let bus: LocalEventBus;

  beforeAll(async () => {
    session = await start();
    await performDeploySteps(session, deployStepsFor(session.options.config));
    warden = session.warden();
    bus = new LocalEventBus(warden);
  });
  afterAll(async () => {
    await session.stop();
  });

  it("brings another region's finding to the intake through the forwarding stack's rule, as its role", async () => {
    const finding = makeFindingEvent({
      id: 'forwarded-1',
      accountId: MEMBERS[0]!.id,
      region: OTHER,
      severity: 8,
    });

    const record = await put(bus, finding);

    expect(record.bus).toBe(`arn:aws:events:${OTHER}:222222222222:event-bus/default`);
    expect(record.forwards).toEqual([
      {
        rule: expect.stringContaining(`WardenForwarding-${OTHER}-ForwardGuardDuty`),
        from: `arn:aws:events:${OTHER}:222222222222:event-bus/default`,
        to: `arn:aws:events:${HOME}:222222222222:event-bus/default`,
      },
    ]);
    expect(record.deliveries).toEqual([
      deliveryTo(
        'IntakeFinding',
        { outcome: 'STARTED', findingId: 'forwarded-1' },
        'WardenSecurity-GuardDutyFindings',
      ),
    ]);
    const forwardingRole = warden.world.cloud.iamCoverage.snapshot().entries.filter((e) =>
      // The forwarding stacks are one template deployed per region: one coverage entry for all.
      e.role.startsWith('WardenForwarding-<region>/ForwardGuardDutyFindingsEventsRole'),
    );
    expect(forwardingRole.flatMap((e) => Object.keys(e.calls))).toEqual([
      `events:PutEvents arn:aws:events:${HOME}:222222222222:event-bus/default`,
    ]);
  });

  it("brings the management account's Control Tower events to onboarding through the bus policy", async () => {
    const record = await put(bus, makeControlTowerEvent({ accountId: MEMBERS[1]!.id, eventId: 'rules-1' }));

    expect(record.bus).toBe(`arn:aws:events:${HOME}:111111111111:event-bus/default`);
    expect(record.forwards).toEqual([
      expect.objectContaining({ rule: expect.stringContaining('WardenManagement-ForwardControlTower') }),
    ]);
    expect(record.forwards![0]!.error).toBeUndefined();
    expect(record.deliveries).toEqual([
      deliveryTo('StartOnboarding', { outcome: 'STARTED', accountId: MEMBERS[1]!.id }),
    ]);
  });

  it('refuses a forwarded event the security bus policy does not admit, and starts nothing', async () => {
    const { events } = warden.world.services;
    const home = `arn:aws:events:${HOME}:222222222222:event-bus/default`;
    const admitted = events.bus(home)!.policy!;
    const narrowed = structuredClone(admitted) as { Statement: Record<string, unknown>[] };
    (narrowed.Statement[0]!.Condition as Record<string, Record<string, string[]>>)[
      'ForAllValues:StringEquals'
    ]!['events:source'] = ['aws.organizations'];
    events.putBusPolicy(home, narrowed);
    try {
      const record = await put(bus, makeControlTowerEvent({ accountId: MEMBERS[1]!.id, eventId: 'rules-2' }));

      expect(record.deliveries).toEqual([]);
      expect(record.forwards).toEqual([
        expect.objectContaining({
          error: {
            name: 'AccessDeniedException',
            message: expect.stringContaining(
              'because no resource-based policy allows the events:PutEvents action',
            ),
          },
        }),
      ]);
    } finally {
      events.putBusPolicy(home, admitted);
    }
  });

  it('does not invoke a function whose policy does not let EventBridge invoke it for the rule', async () => {
    const { lambda } = warden.world.services;
    const intake = warden
      .deployment!.stacks.get('WardenSecurity')!
      .permissions.find((p) => p.functionArn.includes('IntakeFinding'))!;
    lambda.removePermission(intake.functionArn, intake.logicalId);
    try {
      const record = await put(
        bus,
        makeFindingEvent({ id: 'unpermitted-1', accountId: MEMBERS[0]!.id, region: HOME }),
      );

      expect(record.deliveries).toEqual([
        expect.objectContaining({
          target: 'IntakeFinding',
          error: expect.objectContaining({ name: 'AccessDeniedException' }),
        }),
      ]);
      expect(record.deliveries[0]!.result).toBeUndefined();
    } finally {
      lambda.addPermission(intake.functionArn, {
        statementId: intake.logicalId,
        action: intake.action,
        principal: intake.principal,
        sourceArn: intake.sourceArn,
      });
    }
  });

  it("keeps the account list from Organizations' events, forwarded from us-east-1 where Organizations publishes them", async () => {
    const record = await put(bus, {
      source: 'aws.organizations',
      'detail-type': 'AWS API Call via CloudTrail',
      detail: {
        eventSource: 'organizations.amazonaws.com',
        eventName: 'MoveAccount',
        requestParameters: { accountId: MEMBERS[1]!.id },
      },
    });

    expect(record.bus).toBe('arn:aws:events:us-east-1:111111111111:event-bus/default');
    expect(record.forwards).toEqual([
      expect.objectContaining({
        rule: expect.stringContaining('WardenOrganizationsEvents-'),
        to: `arn:aws:events:${HOME}:222222222222:event-bus/default`,
      }),
    ]);
    expect(record.forwards![0]!.error).toBeUndefined();
    expect(record.deliveries).toEqual([
      expect.objectContaining({
        target: 'RecordOrganizationEvent',
        result: { outcome: 'RECORDED', eventName: 'MoveAccount', accounts: [MEMBERS[1]!.id] },
      }),
    ]);
  });

  it('sends an event no deployed rule matches nowhere', async () => {
    const record = await put(bus, {
      source: 'com.example.shop',
      'detail-type': 'Order Placed',
      detail: { orderId: '1' },
    });

    expect([record.deliveries, record.forwards]).toEqual([[], []]);
  });
});

describe('EventBridge rules a deployment leaves out', () => {
  it("sends another region's findings nowhere until the forwarding stacks are deployed", async () => {
    const session = await start();
    try {
      const steps = deployStepsFor(session.options.config).filter((s) => s.id !== 'forwarding-stacks');
      await performDeploySteps(session, steps);
      const bus = new LocalEventBus(session.warden());

      const record = await put(
        bus,
        makeFindingEvent({ id: 'unforwarded-1', accountId: MEMBERS[0]!.id, region: OTHER }),
      );

      expect([record.deliveries, record.forwards]).toEqual([[], []]);
      expect(bus.counts.unmatched).toBe(1);
    } finally {
      await session.stop();
    }
  });
});
