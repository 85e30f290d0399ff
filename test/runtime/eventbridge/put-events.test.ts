import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { EventRecord } from '../../../runtime/eventbridge/local-bus';
import { entrySize, MAX_REQUEST_ENTRY_BYTES } from '../../../runtime/eventbridge/put-events';
import type { WardenHttpServer } from '../../../runtime/http-server';
import type { LocalWarden } from '../../../runtime/local-warden';
import { demoMembers } from '../../../runtime/sandbox/demo-organization';
import { makeFindingEvent } from '../../fixtures/findings';
import { eventIntakeConfig, type ServedWarden, startEventIntakeWarden } from '../../fixtures/served-warden';
import { makeControlTowerEvent } from '../../workflows/onboarding/harness';
import { deliveryTo } from './delivery';

/**
 * The local EventBridge door through the real `@aws-sdk/client-eventbridge`: PutEvents answers
 * per entry as AWS does, and each event goes through the security stack's rules.
 */
const MEMBERS = demoMembers(2);
const config = eventIntakeConfig(['eu-west-1', 'us-east-1']);

function entryOf(event: Record<string, unknown>): PutEventsRequestEntry {
  return {
    Source: event.source as string,
    DetailType: event['detail-type'] as string,
    Detail: JSON.stringify(event.detail),
    Resources: (event.resources as string[] | undefined) ?? [],
  };
}

describe('PutEvents on the local runtime', () => {
  let served: ServedWarden;
  let warden: LocalWarden;
  let server: WardenHttpServer;
  let client: EventBridgeClient;

  beforeAll(async () => {
    served = await startEventIntakeWarden(config, MEMBERS);
    ({ warden, server } = served);
    client = new EventBridgeClient({
      endpoint: server.url,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    await served?.stop();
  });

  const recordOf = async (eventId: string): Promise<EventRecord> => {
    const response = await fetch(`${server.url}/eventbridge/events/${eventId}`);
    expect(response.status).toBe(200);
    return (await response.json()) as EventRecord;
  };

  /** PutEvents with the one entry, which it must accept, and the bus's record of the event. */
  const putAccepted = async (entry: PutEventsRequestEntry): Promise<EventRecord> => {
    const out = await client.send(new PutEventsCommand({ Entries: [entry] }));
    expect(out.FailedEntryCount).toBe(0);
    return recordOf(out.Entries![0]!.EventId!);
  };

  it('delivers a GuardDuty finding to the finding intake, which starts the response', async () => {
    const finding = makeFindingEvent({ id: 'door-finding-1', accountId: MEMBERS[0]!.id, severity: 8 });

    const record = await putAccepted(entryOf(finding));

    expect(record.deliveries).toEqual([
      deliveryTo(
        'IntakeFinding',
        { outcome: 'STARTED', findingId: 'door-finding-1', dryRun: true },
        'GuardDutyFindings',
      ),
    ]);
    const executionArn = (record.deliveries[0]!.result as { executionArn: string }).executionArn;
    expect(warden.runtime.list().map((e) => e.executionArn)).toContain(executionArn);
  });

  it('answers a repeated delivery of the same finding as a duplicate that starts nothing', async () => {
    const finding = makeFindingEvent({ id: 'door-finding-2', accountId: MEMBERS[0]!.id });
    const first = await client.send(new PutEventsCommand({ Entries: [entryOf(finding)] }));
    const executions = warden.runtime.list().length;

    const again = await client.send(new PutEventsCommand({ Entries: [entryOf(finding)] }));

    expect(again.Entries![0]!.EventId).not.toBe(first.Entries![0]!.EventId);
    const record = await recordOf(again.Entries![0]!.EventId!);
    expect(record.deliveries[0]!.result).toMatchObject({ outcome: 'DUPLICATE', findingId: 'door-finding-2' });
    expect(warden.runtime.list()).toHaveLength(executions);
  });

  it('delivers a Control Tower lifecycle event to onboarding', async () => {
    const event = makeControlTowerEvent({ accountId: MEMBERS[1]!.id, eventId: 'door-1' });

    const record = await putAccepted(entryOf(event));

    expect(record.deliveries).toEqual([
      deliveryTo(
        'StartOnboarding',
        { outcome: 'STARTED', accountId: MEMBERS[1]!.id },
        'ControlTowerLifecycle',
      ),
    ]);
  });

  it('counts an event no rule matches as unmatched', async () => {
    const before = (await (await fetch(`${server.url}/eventbridge/counts`)).json()) as { unmatched: number };

    const record = await putAccepted({
      Source: 'com.example.shop',
      DetailType: 'Order Placed',
      Detail: '{"orderId":"1"}',
    });

    expect(record.deliveries).toEqual([]);
    const after = (await (await fetch(`${server.url}/eventbridge/counts`)).json()) as { unmatched: number };
    expect(after.unmatched).toBe(before.unmatched + 1);
  });

  it('answers a malformed entry with its error code and takes the others in the same request', async () => {
    const finding = makeFindingEvent({ id: 'door-finding-3', accountId: MEMBERS[0]!.id });

    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'aws.guardduty', DetailType: 'GuardDuty Finding', Detail: '{"id": not json' },
          { DetailType: 'GuardDuty Finding', Detail: '{}' },
          entryOf(finding),
        ],
      }),
    );

    expect(out.FailedEntryCount).toBe(2);
    expect(out.Entries![0]).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
    expect(out.Entries![1]).toEqual({
      ErrorCode: 'InvalidArgument',
      ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
    });
    expect(out.Entries![2]!.EventId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses more than 10 entries and more than 256 KiB of entries, as AWS counts the size', async () => {
    const small = { Source: 'com.example', DetailType: 'x', Detail: '{}' };
    await expect(
      client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => small) })),
    ).rejects.toMatchObject({ name: 'ValidationException' });

    // Source + DetailType + Detail bytes, plus 14 for Time: exactly the limit passes, one more does not.
    const detailBytes = (extra: number) =>
      MAX_REQUEST_ENTRY_BYTES - 14 - 'com.example'.length - 1 - '{"p":""}'.length + extra;
    const entry = (extra: number) => ({
      Source: 'com.example',
      DetailType: 'x',
      Time: new Date('2026-03-01T10:00:00Z'),
      Detail: JSON.stringify({ p: 'é'.repeat(detailBytes(extra) / 2) }),
    });
    expect(entrySize({ ...entry(0), Time: 0 })).toBe(MAX_REQUEST_ENTRY_BYTES);
    await expect(client.send(new PutEventsCommand({ Entries: [entry(0)] }))).resolves.toMatchObject({
      FailedEntryCount: 0,
    });
    await expect(client.send(new PutEventsCommand({ Entries: [entry(2)] }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Total size of the entries in the request is over the limit'),
    });
  });
});
