import { PORT_PROBE, type ResponseHarness, startResponseHarness, story } from './harness';

describe('response workflow: automatic block', () => {
  let h: ResponseHarness;
  afterEach(() => h?.stop());

  it('blocks a high-severity port probe, notifies, and lifts the block when it expires', async () => {
    h = await startResponseHarness();
    const nacl = h.network.naclIds[0]!;

    const intake = await h.deliver({ ...PORT_PROBE, remoteIp: '203.0.113.9' });
    await h.advance(0);

    expect(intake.outcome).toBe('STARTED');
    const ec2 = h.warden.world.services.ec2;
    const deny = ec2.entries(nacl).filter((e) => e.RuleAction === 'deny' && e.CidrBlock === '203.0.113.9/32');
    expect(deny).toHaveLength(1);
    expect(deny[0]!.RuleNumber).toBeGreaterThanOrEqual(1);
    expect(deny[0]!.RuleNumber).toBeLessThanOrEqual(90);
    expect(h.warden.runtime.describe(intake.executionArn!).status).toBe('RUNNING');

    await h.advance(61);

    const record = await h.warden.runtime.waitFor(intake.executionArn!);
    expect(record.status).toBe('SUCCEEDED');
    expect(ec2.entries(nacl).some((e) => e.CidrBlock === '203.0.113.9/32')).toBe(false);
    // Seven billed transitions: the block task notifies itself, the last notification ends it.
    expect(story(h.warden, intake.executionArn!)).toEqual([
      'Decide what to do with the finding',
      'Block the addresses in the network ACLs',
      'Did Warden block anything?',
      'Wait until the next block expires',
      'Lift the blocks that have expired',
      'Are blocks still in place?',
      'Notify that the blocks are lifted',
    ]);
    const categories = h.warden.world.services.sns.outbox.map((m) => m.attributes.category);
    expect(categories).toEqual(['BLOCKED', 'UNBLOCKED']);
  });
});
