import {
  addEntryByHand,
  blockedPortProbe,
  type ResponseHarness,
  startResponseHarness,
} from '../response/harness';

/** One tick of the reconciler's schedule: Scheduler starts it with the schedule's role and input. */
async function reconcile(h: ResponseHarness) {
  const started = await h.warden.runSchedule('reconcile');
  const done = await h.warden.runtime.waitFor(started.executionArn);
  expect(done.status).toBe('SUCCEEDED');
  return JSON.parse(done.output!).report;
}

describe('the reconciler and entries it did not create', () => {
  let h: ResponseHarness;
  afterEach(() => h?.stop());

  it('reports an entry that took the rule number of a young block, though the row still names that number', async () => {
    h = await startResponseHarness();
    const { deny: ours } = await blockedPortProbe(h, '203.0.113.90');
    // Someone replaces Warden's deny with their own entry at the same number, within the grace period.
    addEntryByHand(
      h,
      {
        ruleNumber: ours.RuleNumber!,
        cidr: '192.0.2.44/32',
        action: 'allow',
        protocol: '6',
        ports: { From: 22, To: 22 },
      },
      { replacing: true },
    );

    const report = await reconcile(h);

    expect(report.drift).toEqual([
      expect.objectContaining({
        kind: 'ENTRY_NOT_IN_LEDGER',
        ruleNumber: ours.RuleNumber,
        cidr: '192.0.2.44/32',
      }),
    ]);
    expect(report.drift[0].repaired).toBeUndefined();
  });

  it('once the block has settled, reports both the changed entry (row released) and the unknown one (left alone)', async () => {
    h = await startResponseHarness();
    const { naclId: nacl, deny: ours } = await blockedPortProbe(h, '203.0.113.91');
    const ec2 = h.warden.world.services.ec2;
    addEntryByHand(
      h,
      { ruleNumber: ours.RuleNumber!, cidr: '192.0.2.45/32', action: 'deny' },
      { replacing: true },
    );
    await h.advance(20);

    const report = await reconcile(h);

    expect(report.drift).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'ENTRY_CHANGED',
          cidr: '203.0.113.91/32',
          repaired: 'RELEASED_MISSING_ENTRY',
        }),
        expect.objectContaining({ kind: 'ENTRY_NOT_IN_LEDGER', cidr: '192.0.2.45/32' }),
      ]),
    );
    expect(report.drift).toHaveLength(2);
    expect(ec2.entries(nacl).some((e) => e.CidrBlock === '192.0.2.45/32')).toBe(true);
  });
});
