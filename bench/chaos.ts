import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ChaosBench, type ChaosOutcome, type ChaosRun, runArb } from '../test/chaos/block-chaos';
import { log, machine, round, writeResults } from './lib/report';

/**
 * `npm run bench:chaos`: the blocking chaos property (test/chaos/block-chaos.ts) over 10,000
 * seeded runs instead of the 200 of `npm test`: random interleavings of findings, approvals,
 * repeats, extensions, lifts, evictions and the reconciler, with throttling, 5xx, lost replies
 * and Lambda timeouts on any call.
 *
 * The runs are drawn up front from one seed (`fc.sample`, the same values `fc.assert` draws
 * from that seed), so run N is the same scenario whichever process runs it. The work is split
 * over BENCH_CHAOS_SHARDS child processes (run N goes to shard N mod shards); each saves its
 * progress after every run in bench/results/chaos-progress/, and starting the bench again with
 * the same seed, count and shards carries on where it stopped. A failing run does not stop the
 * bench: its number, scenario and what it threw or violated are kept with the figures.
 * bench/results/chaos.json is rewritten from the shards' progress every minute and at the end.
 *
 * BENCH_CHAOS_RUNS changes the count, BENCH_CHAOS_SEED the seed. BENCH_CHAOS_ONLY=N replays run N
 * alone in a fresh process and, if it fails, shrinks it to a smaller failing scenario.
 */
const TARGET = Number(process.env.BENCH_CHAOS_RUNS ?? 10_000);
const SEED = Number(process.env.BENCH_CHAOS_SEED ?? 20261201);
const SHARDS = Number(process.env.BENCH_CHAOS_SHARDS ?? 2);
const PROGRESS_DIR = join(__dirname, 'results', 'chaos-progress');

interface Failure {
  /** 1-based, as printed: replay with BENCH_CHAOS_ONLY. */
  run: number;
  scenario: ChaosRun;
  threw?: string;
  violations?: string[];
}

interface Progress {
  seed: number;
  target: number;
  shards: number;
  shard: number;
  /** How many of this shard's runs are done (its runs are shard, shard + shards, …). */
  done: number;
  runsWithFaults: number;
  awsCalls: number;
  faults: Record<string, number>;
  blocksMade: number;
  evictions: number;
  taskRetries: number;
  tasksAbandoned: number;
  cpuSeconds: number;
  wallSeconds: number;
  failures: Failure[];
}

function scenarios(): ChaosRun[] {
  return fc.sample(runArb, { seed: SEED, numRuns: TARGET });
}

function progressFile(shard: number): string {
  return join(PROGRESS_DIR, `seed-${SEED}-runs-${TARGET}-shard-${shard}-of-${SHARDS}.json`);
}

function readProgress(shard: number): Progress {
  const file = progressFile(shard);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Progress;
  return {
    seed: SEED,
    target: TARGET,
    shards: SHARDS,
    shard,
    done: 0,
    runsWithFaults: 0,
    awsCalls: 0,
    faults: {},
    blocksMade: 0,
    evictions: 0,
    taskRetries: 0,
    tasksAbandoned: 0,
    cpuSeconds: 0,
    wallSeconds: 0,
    failures: [],
  };
}

function saveProgress(progress: Progress): void {
  mkdirSync(PROGRESS_DIR, { recursive: true });
  const file = progressFile(progress.shard);
  // Written aside and renamed, so a process stopped mid-write leaves the previous progress whole.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(progress, null, 1)}\n`);
  renameSync(`${file}.tmp`, file);
}

function shardRuns(shard: number): number {
  return Math.max(0, Math.ceil((TARGET - shard) / SHARDS));
}

function describeError(error: unknown): string {
  const e = error as Error;
  return `${e?.name}: ${e?.message}\n${e?.stack ?? ''}`;
}

/** One child process: this shard's runs, from where its saved progress stopped. */
async function runShard(shard: number): Promise<void> {
  const all = scenarios();
  const progress = readProgress(shard);
  const total = shardRuns(shard);
  if (progress.done >= total) return;
  const bench = await ChaosBench.start();
  let cpuMark = process.cpuUsage();
  let wallMark = Date.now();
  try {
    while (progress.done < total) {
      const index = shard + progress.done * SHARDS;
      const scenario = all[index]!;
      let outcome: ChaosOutcome | undefined;
      try {
        outcome = await bench.run(scenario, index + 1);
      } catch (error) {
        progress.failures.push({ run: index + 1, scenario, threw: describeError(error) });
        log(`run ${index + 1} threw ${(error as Error).name}: ${(error as Error).message}`);
      }
      if (outcome) {
        progress.awsCalls += outcome.calls;
        progress.blocksMade += outcome.blocked;
        progress.evictions += outcome.evicted;
        progress.taskRetries += outcome.retries;
        progress.tasksAbandoned += outcome.abandoned;
        if (Object.keys(outcome.faults).length) progress.runsWithFaults += 1;
        for (const [kind, n] of Object.entries(outcome.faults))
          progress.faults[kind] = (progress.faults[kind] ?? 0) + n;
        if (outcome.violations.length) {
          progress.failures.push({ run: index + 1, scenario, violations: outcome.violations });
          log(`run ${index + 1} violated: ${outcome.violations.join('; ')}`);
        }
      }
      progress.done += 1;
      const cpu = process.cpuUsage(cpuMark);
      progress.cpuSeconds = round(progress.cpuSeconds + (cpu.user + cpu.system) / 1e6, 2);
      progress.wallSeconds = round(progress.wallSeconds + (Date.now() - wallMark) / 1000, 2);
      cpuMark = process.cpuUsage();
      wallMark = Date.now();
      saveProgress(progress);
    }
  } finally {
    await bench.stop();
  }
}

/** The figures of every shard together; complete once every shard has done all its runs. */
function figures(): Record<string, unknown> & { complete: boolean } {
  const shards = Array.from({ length: SHARDS }, (_, k) => readProgress(k));
  const sum = (f: (p: Progress) => number) => shards.reduce((a, p) => a + f(p), 0);
  const runs = sum((p) => p.done);
  const faults: Record<string, number> = {};
  for (const p of shards) for (const [k, n] of Object.entries(p.faults)) faults[k] = (faults[k] ?? 0) + n;
  const failures = shards.flatMap((p) => p.failures).sort((a, b) => a.run - b.run);
  const cpuSeconds = round(
    sum((p) => p.cpuSeconds),
    1,
  );
  return {
    runsTarget: TARGET,
    runs,
    complete: runs >= TARGET,
    seed: SEED,
    shards: SHARDS,
    invariantViolations: failures.length,
    runsWithFaults: sum((p) => p.runsWithFaults),
    awsCalls: sum((p) => p.awsCalls),
    injectedFaults: faults,
    faultsInjected: Object.values(faults).reduce((a, n) => a + n, 0),
    blocksMade: sum((p) => p.blocksMade),
    evictions: sum((p) => p.evictions),
    taskRetries: sum((p) => p.taskRetries),
    tasksAbandoned: sum((p) => p.tasksAbandoned),
    wallSecondsPerShard: round(Math.max(0, ...shards.map((p) => p.wallSeconds)), 1),
    cpuSeconds,
    cpuMsPerRun: runs ? round((cpuSeconds * 1000) / runs, 1) : null,
    failures,
    machine: machine(),
  };
}

/** The parent: starts (or resumes) the shards, and keeps bench/results/chaos.json current. */
async function runAll(): Promise<void> {
  const started = figures();
  log(`chaos: ${started.runs} of ${TARGET} runs already done; ${SHARDS} shards`);
  const children = Array.from(
    { length: SHARDS },
    (_, shard) =>
      new Promise<number>((resolve) => {
        const child = spawn(process.execPath, [...process.execArgv, __filename], {
          env: { ...process.env, BENCH_CHAOS_SHARD: String(shard) },
          stdio: ['ignore', 'inherit', 'inherit'],
        });
        child.on('exit', (code) => resolve(code ?? 1));
      }),
  );
  const timer = setInterval(() => {
    const now = figures();
    writeResults('chaos', now);
    log(`${now.runs} runs, ${now.invariantViolations} failed`);
  }, 60_000);
  const codes = await Promise.all(children);
  clearInterval(timer);
  const result = figures();
  const file = writeResults('chaos', result);
  log(JSON.stringify(result, null, 2));
  log(`wrote ${file}`);
  if (codes.some((c) => c !== 0)) throw new Error(`a shard exited with ${codes.join(', ')}`);
}

/** Replays one run in a fresh process and, when it fails, lets fast-check shrink it. */
async function replay(runNumber: number): Promise<void> {
  const scenario = scenarios()[runNumber - 1];
  if (!scenario) throw new Error(`BENCH_CHAOS_ONLY=${runNumber} is not a run of 1–${TARGET}`);
  const bench = await ChaosBench.start();
  try {
    log(`run ${runNumber}: ${JSON.stringify(scenario)}`);
    const outcome = await bench.run(scenario, runNumber);
    log(`violations: ${JSON.stringify(outcome.violations)}`);
    if (outcome.violations.length === 0) return;
    // Shrunk scenarios are numbered past the last run, so their findings never meet a real run's.
    let next = TARGET + 1;
    await fc.assert(
      fc.asyncProperty(runArb, async (run) => (await bench.run(run, next++)).violations.length === 0),
      { examples: [[scenario]], numRuns: 0, endOnFailure: false },
    );
  } finally {
    await bench.stop();
  }
}

const main = process.env.BENCH_CHAOS_ONLY
  ? () => replay(Number(process.env.BENCH_CHAOS_ONLY))
  : process.env.BENCH_CHAOS_SHARD !== undefined
    ? () => runShard(Number(process.env.BENCH_CHAOS_SHARD))
    : runAll;

main().catch((error) => {
  log(String(error?.stack ?? error));
  process.exit(1);
});
