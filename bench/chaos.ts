import fc from 'fast-check';
import { ChaosBench, runArb } from '../test/chaos/block-chaos';
import { log, machine, round, writeResults } from './lib/report';

/**
 * `npm run bench:chaos`: the blocking chaos property (test/chaos/block-chaos.ts) over 10,000
 * seeded runs instead of the 200 of `npm test`: random interleavings of findings, approvals,
 * repeats, extensions, lifts, evictions and the reconciler, with throttling, 5xx, lost replies
 * and Lambda timeouts on any call. Prints and writes bench/results/chaos.json; the figures are
 * written every 500 runs as well, so a long run that is stopped still leaves its count. Set
 * BENCH_CHAOS_RUNS to change the count, BENCH_CHAOS_SEED the seed.
 */
async function main(): Promise<void> {
  const target = Number(process.env.BENCH_CHAOS_RUNS ?? 10_000);
  const seed = Number(process.env.BENCH_CHAOS_SEED ?? 20261201);
  const bench = await ChaosBench.start();
  const started = Date.now();
  const cpuStart = process.cpuUsage();
  const totals = {
    runs: 0,
    runsWithFaults: 0,
    awsCalls: 0,
    blocksMade: 0,
    evictions: 0,
    taskRetries: 0,
    tasksAbandoned: 0,
    faults: {} as Record<string, number>,
    violations: 0,
  };
  const firstViolations: string[] = [];
  const figures = (complete: boolean) => {
    const cpu = process.cpuUsage(cpuStart);
    return {
      runsTarget: target,
      runs: totals.runs,
      complete,
      seed,
      invariantViolations: totals.violations,
      runsWithFaults: totals.runsWithFaults,
      awsCalls: totals.awsCalls,
      injectedFaults: totals.faults,
      blocksMade: totals.blocksMade,
      evictions: totals.evictions,
      taskRetries: totals.taskRetries,
      tasksAbandoned: totals.tasksAbandoned,
      wallSeconds: round((Date.now() - started) / 1000, 1),
      cpuSeconds: round((cpu.user + cpu.system) / 1e6, 1),
      cpuMsPerRun: totals.runs ? round((cpu.user + cpu.system) / 1000 / totals.runs, 1) : null,
      firstViolations,
      machine: machine(),
    };
  };
  try {
    await fc.assert(
      fc.asyncProperty(runArb, async (run) => {
        let outcome: Awaited<ReturnType<ChaosBench['run']>>;
        try {
          outcome = await bench.run(run);
        } catch (error) {
          // A run that throws is a failure too: keep what it threw with the figures.
          totals.violations += 1;
          firstViolations.push(
            `run ${totals.runs + 1} threw ${(error as Error).name}: ${(error as Error).message}`,
          );
          writeResults('chaos', figures(false));
          throw error;
        }
        totals.runs += 1;
        totals.awsCalls += outcome.calls;
        totals.blocksMade += outcome.blocked;
        totals.evictions += outcome.evicted;
        totals.taskRetries += outcome.retries;
        totals.tasksAbandoned += outcome.abandoned;
        if (Object.keys(outcome.faults).length) totals.runsWithFaults += 1;
        for (const [kind, n] of Object.entries(outcome.faults))
          totals.faults[kind] = (totals.faults[kind] ?? 0) + n;
        if (outcome.violations.length) {
          totals.violations += 1;
          if (firstViolations.length < 5) firstViolations.push(...outcome.violations.slice(0, 2));
          writeResults('chaos', figures(false));
        }
        if (totals.runs % 500 === 0) {
          writeResults('chaos', figures(false));
          log(`${totals.runs} runs, ${totals.violations} with a violated invariant`);
        }
        return outcome.violations.length === 0;
      }),
      { numRuns: target, seed, endOnFailure: true },
    );
  } finally {
    await bench.stop();
  }
  const result = figures(true);
  const file = writeResults('chaos', result);
  log(JSON.stringify(result, null, 2));
  log(`wrote ${file}`);
}

main().catch((error) => {
  log(String(error?.stack ?? error));
  process.exit(1);
});
