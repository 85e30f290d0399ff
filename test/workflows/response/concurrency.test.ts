import { Ledger } from '../../../tasks/response/ledger';
import { makePortProbe } from '../../fixtures/findings';
import { PORT_PROBE, type ResponseHarness, startResponseHarness } from './harness';

describe('response workflow under concurrency', () => {
  let h: ResponseHarness;
  afterEach(() => h?.stop());

  it('gives 50 concurrent blocks on one NACL distinct rule numbers within the quota, and the ledger equals the NACL', async () => {
    h = await startResponseHarness({ response: { naclRuleQuota: 20 } });
    const nacl = h.network.naclIds[0]!;

    const intakes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        h.deliver({ ...PORT_PROBE, id: `finding-${i}`, remoteIp: `203.0.113.${100 + i}` }),
      ),
    );
    await h.advance(0);
    await h.advance(0);

    const entries = h.warden.world.services.ec2.entries(nacl).filter((e) => !e.Egress);
    const numbers = entries.map((e) => e.RuleNumber);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(entries.length).toBeLessThanOrEqual(20);
    const wardens = entries.filter((e) => e.RuleNumber! <= 90);
    const outcomes = await Promise.all(
      intakes.map(async (i) => {
        const history = h.warden.runtime.store.history(i.executionArn!);
        const exited = history
          .filter((e) => e.type === 'TaskStateExited')
          .map((e) => JSON.parse((e.stateExitedEventDetails as { output: string }).output));
        return exited.find((o) => o.block)?.block.results[0]?.outcome as string;
      }),
    );
    expect(outcomes.filter((o) => o === 'BLOCKED')).toHaveLength(wardens.length);
    expect(outcomes.filter((o) => o === 'REFUSED_FULL')).toHaveLength(50 - wardens.length);
    const ledger = await new Ledger(h.warden.deps).inNacl({
      account: '333333333333',
      region: 'eu-west-1',
      naclId: nacl,
    });
    expect(ledger.map((b) => `${b.ruleNumber} ${b.cidr}`).sort()).toEqual(
      wardens.map((e) => `${e.RuleNumber} ${e.CidrBlock}`).sort(),
    );
  });

  it('evicts the oldest Warden entry when the NACL is full and policy says evict', async () => {
    h = await startResponseHarness({ response: { naclRuleQuota: 4, whenFull: 'evict-oldest' } });
    const nacl = h.network.naclIds[0]!;
    for (let i = 0; i < 3; i++) {
      await h.deliver({ ...PORT_PROBE, id: `old-${i}`, remoteIp: `203.0.113.${10 + i}` });
      await h.advance(1);
    }
    const cidrs = () =>
      h.warden.world.services.ec2
        .entries(nacl)
        .filter((e) => e.RuleAction === 'deny' && e.RuleNumber! <= 90)
        .map((e) => e.CidrBlock);
    expect(cidrs()).toHaveLength(2);

    await h.deliver({ ...PORT_PROBE, id: 'new', remoteIp: '203.0.113.99' });
    await h.advance(0);

    expect(cidrs()).toContain('203.0.113.99/32');
    expect(cidrs()).not.toContain('203.0.113.10/32');
  });

  it('starts one execution for 1,000 deliveries of 100 distinct findings', async () => {
    h = await startResponseHarness();
    const deliveries = Array.from({ length: 1000 }, (_, i) => i % 100);
    for (let start = 0; start < deliveries.length; start += 100) {
      await Promise.all(
        deliveries.slice(start, start + 100).map((n) =>
          h.deliver({
            type: 'Stealth:IAMUser/CloudTrailLoggingDisabled',
            severity: 5,
            actionType: 'AWS_API_CALL',
            id: `storm-${n}`,
          }),
        ),
      );
    }
    await h.warden.runtime.idle();
    expect(h.warden.runtime.list(h.warden.stateMachines.response)).toHaveLength(100);
  });

  it('extends the running block when GuardDuty reports the finding again', async () => {
    h = await startResponseHarness();
    const first = await h.deliver({ ...PORT_PROBE, id: 'repeat', remoteIp: '203.0.113.80', count: 1 });
    await h.advance(50);

    const again = await h.deliver({
      ...PORT_PROBE,
      id: 'repeat',
      remoteIp: '203.0.113.80',
      count: 5,
      updatedAt: '2026-03-01T11:00:00.000Z',
    } as never);
    await h.advance(20);

    expect(again.outcome).toBe('EXTENDED');
    const deny = () =>
      h.warden.world.services.ec2
        .entries(h.network.naclIds[0]!)
        .filter((e) => e.CidrBlock === '203.0.113.80/32');
    expect(deny()).toHaveLength(1);
    expect(h.warden.runtime.describe(first.executionArn!).status).toBe('RUNNING');
    await h.advance(60);
    expect((await h.warden.runtime.waitFor(first.executionArn!)).status).toBe('SUCCEEDED');
    expect(deny()).toHaveLength(0);
    expect(h.warden.runtime.list(h.warden.stateMachines.response)).toHaveLength(1);
  });

  it('blocks a repeat offender longer the next time', async () => {
    h = await startResponseHarness({ response: { blockMinutes: 60, repeatMultiplier: 2 } });
    const first = await h.deliver({ ...PORT_PROBE, id: 'one', remoteIp: '203.0.113.81' });
    await h.advance(61);
    await h.warden.runtime.waitFor(first.executionArn!);

    const second = await h.deliver({ ...PORT_PROBE, id: 'two', remoteIp: '203.0.113.81' });
    await h.advance(61);
    expect(h.warden.runtime.describe(second.executionArn!).status).toBe('RUNNING');
    await h.advance(60);
    expect((await h.warden.runtime.waitFor(second.executionArn!)).status).toBe('SUCCEEDED');
  });

  it('shares one entry when two findings name the same address in the same NACL', async () => {
    h = await startResponseHarness();
    await Promise.all([
      h.deliver({ ...PORT_PROBE, id: 'a', remoteIp: '203.0.113.90' }),
      h.deliver({ ...PORT_PROBE, id: 'b', portProbes: [makePortProbe({ remoteIp: '203.0.113.90' })] }),
    ]);
    await h.advance(0);

    expect(h.warden.world.cloud.count({ service: 'ec2', operation: 'CreateNetworkAclEntry' })).toBe(1);
  });
});
