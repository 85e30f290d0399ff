import fc from 'fast-check';
import { ChaosBench, runArb } from './block-chaos';

/**
 * The chaos property of Warden's blocking (see block-chaos.ts): whatever the interleaving and
 * whatever fails, after the reconciler the ledger matches the NACLs, nothing is orphaned or
 * duplicated, customer entries are untouched, no must-not-block address is denied, every active
 * block is effective, and once every block has expired no Warden entry is left.
 */
const RUNS = Number(process.env.CHAOS_RUNS ?? 200);
const SEED = 20261201;

describe('blocking under chaos', () => {
  let bench: ChaosBench;
  beforeAll(async () => {
    bench = await ChaosBench.start();
  });
  afterAll(() => bench?.stop());

  it(`keeps every invariant in ${RUNS} seeded runs of random interleavings and faults`, async () => {
    let runs = 0;
    let faulted = 0;
    await fc.assert(
      fc.asyncProperty(runArb, async (run) => {
        const outcome = await bench.run(run);
        runs += 1;
        if (Object.keys(outcome.faults).length) faulted += 1;
        expect(outcome.violations).toEqual([]);
      }),
      { numRuns: RUNS, seed: SEED },
    );

    expect(runs).toBeGreaterThanOrEqual(RUNS);
    // The runs exercised faults at all (a third of them run fault-free by design).
    expect(faulted).toBeGreaterThan(RUNS / 3);
  }, 600_000);
});
