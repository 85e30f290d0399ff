import { addEntryByHand, PORT_PROBE, type ResponseHarness, startResponseHarness, until } from './harness';

function wardenDenies(h: ResponseHarness): string[] {
  return h.network.naclIds.flatMap((id) =>
    h.warden.world.services.ec2
      .entries(id)
      .filter((e) => !e.Egress && e.RuleAction === 'deny' && e.RuleNumber! <= 90)
      .map((e) => e.CidrBlock!),
  );
}

/**
 * As EventBridge invokes the intake: asynchronously, and Lambda retries an invocation that failed
 * (twice, by default) — so a throttled intake call is tried again.
 */
async function deliverRetried(h: ResponseHarness, finding: Parameters<ResponseHarness['deliver']>[0]) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await h.deliver(finding);
    } catch (error) {
      if ((error as Error).name !== 'TransientAwsError' || attempt === 3) throw error;
    }
  }
}

describe('response workflow under faults', () => {
  let h: ResponseHarness;
  afterEach(() => h?.stop());

  it('blocks and lifts correctly with 20% throttling on EC2, STS and DynamoDB', async () => {
    h = await startResponseHarness({ maxAttempts: 3 });
    for (const service of ['ec2', 'sts', 'dynamodb'])
      h.warden.world.cloud.faults.throttle({ service, rate: 0.2 });

    const intakes = [];
    for (let i = 0; i < 10; i++)
      intakes.push(
        await deliverRetried(h, { ...PORT_PROBE, id: `f-${i}`, remoteIp: `203.0.113.${i + 101}` }),
      );
    // The SDK's own retries sleep in real time; wait until every execution waits for its expiry.
    await until(() => h.clock.pending === intakes.length);

    expect(wardenDenies(h).sort()).toEqual(intakes.map((_, i) => `203.0.113.${i + 101}/32`).sort());
    expect(h.warden.world.cloud.calls.some((c) => c.error?.match(/Throttl|RequestLimitExceeded/))).toBe(true);

    await h.advance(61);
    await until(() => h.warden.runtime.runningCount === 0);
    for (const intake of intakes)
      expect((await h.warden.runtime.waitFor(intake.executionArn!)).status).toBe('SUCCEEDED');
    expect(wardenDenies(h)).toEqual([]);
  });

  it('leaves no orphan entry when the task dies between the NACL write and the ledger update: the reconciler removes it', async () => {
    h = await startResponseHarness();
    // Every ledger update after the claim fails for good, as if the function crashed there.
    h.warden.world.cloud.faults.failOnCall({
      service: 'dynamodb',
      operation: 'UpdateItem',
      onCall: 1,
      times: 1000,
      code: 'InternalServerError',
      httpStatusCode: 500,
    });

    const intake = await h.deliver({ ...PORT_PROBE, remoteIp: '203.0.113.77' });
    await h.advance(0);
    const record = await h.warden.runtime.waitFor(intake.executionArn!);

    expect(record.status).toBe('FAILED');
    expect(wardenDenies(h)).toEqual(['203.0.113.77/32']);

    h.warden.world.cloud.faults.reset();
    await h.advance(61 + 15);
    const reconcile = h.warden.runtime.start(h.warden.stateMachines.reconcile, {});
    const done = await h.warden.runtime.waitFor(reconcile.executionArn);

    expect(done.status).toBe('SUCCEEDED');
    const report = JSON.parse(done.output!).report;
    expect(report.drift).toEqual([
      expect.objectContaining({
        kind: 'EXPIRED_NOT_REMOVED',
        cidr: '203.0.113.77/32',
        repaired: 'REMOVED_EXPIRED_ENTRY',
      }),
    ]);
    expect(wardenDenies(h)).toEqual([]);
  });

  it('reports an entry in Warden’s band that the ledger does not know, and leaves it alone', async () => {
    h = await startResponseHarness();
    addEntryByHand(h, { ruleNumber: 5, cidr: '192.0.2.5/32', action: 'deny' });
    await h.deliver({ ...PORT_PROBE, remoteIp: '203.0.113.78' });
    await h.advance(0);

    const reconcile = h.warden.runtime.start(h.warden.stateMachines.reconcile, {});
    const report = JSON.parse((await h.warden.runtime.waitFor(reconcile.executionArn)).output!).report;

    expect(report.drift).toEqual([
      expect.objectContaining({ kind: 'ENTRY_NOT_IN_LEDGER', ruleNumber: 5, cidr: '192.0.2.5/32' }),
    ]);
    expect(report.drift[0].repaired).toBeUndefined();
    expect(wardenDenies(h).sort()).toEqual(['192.0.2.5/32', '203.0.113.78/32']);
    expect(h.warden.world.services.sns.outbox.at(-1)!.attributes.category).toBe('DRIFT');
  });
});
