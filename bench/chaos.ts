import { execFileSync, spawn } from 'node:child_process';
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
 * from that seed), so run N is the same scenario whichever process runs it. The runs are dealt
 * into segments, one child process each (BENCH_CHAOS_SHARDS of them); a segment saves its
 * progress after every run in bench/results/chaos-progress/, and starting the bench again with
 * the same seed and count carries on where it stopped (with a different BENCH_CHAOS_SHARDS, the
 * runs left are dealt again into that many segments). A failing run does not stop the bench: its
 * number, scenario and what it threw or violated are kept. bench/results/chaos.json is written
 * when every run is done, or on demand with BENCH_CHAOS_REPORT=1.
 *
 * BENCH_CHAOS_RUNS changes the count, BENCH_CHAOS_SEED the seed. BENCH_CHAOS_ONLY=N replays run N
 * alone and, if it fails, shrinks it. BENCH_CHAOS_REPLAY_FAILURES=1 replays every failed run on
 * the current code and keeps the outcome beside the failure (for a failure that was then fixed).
 */
const TARGET = Number(process.env.BENCH_CHAOS_RUNS ?? 10_000);
const SEED = Number(process.env.BENCH_CHAOS_SEED ?? 20261201);
const SHARDS = Number(process.env.BENCH_CHAOS_SHARDS ?? 2);
const PROGRESS_DIR = join(__dirname, 'results', 'chaos-progress', `seed-${SEED}-runs-${TARGET}`);
const PLAN_FILE = join(PROGRESS_DIR, 'plan.json');

interface Failure {
  /** 1-based, as printed: replay with BENCH_CHAOS_ONLY. */
  run: number;
  scenario: ChaosRun;
  threw?: string;
  violations?: string[];
  /** The same run replayed later (BENCH_CHAOS_REPLAY_FAILURES), on the code of `commit`. */
  replay?: { passed: boolean; commit: string; at: string; threw?: string; violations?: string[] };
}

interface Segment {
  id: string;
  /** 1-based run numbers, in the order the segment runs them. */
  runs: number[];
}

interface Progress {
  segment: string;
  /** How many of the segment's runs are done, in order. */
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

function writeJson(file: string, value: unknown): void {
  mkdirSync(PROGRESS_DIR, { recursive: true });
  // Written aside and renamed, so a process stopped mid-write leaves the previous file whole.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(value)}\n`);
  renameSync(`${file}.tmp`, file);
}

function progressFile(segment: string): string {
  return join(PROGRESS_DIR, `segment-${segment}.json`);
}

function readProgress(segment: string): Progress {
  const file = progressFile(segment);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Progress;
  return {
    segment,
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

function readPlan(): Segment[] | undefined {
  return existsSync(PLAN_FILE) ? (JSON.parse(readFileSync(PLAN_FILE, 'utf8')) as Segment[]) : undefined;
}

/** Runs 1…count dealt round-robin into `shards` segments named `prefix-k`. */
function deal(runs: number[], shards: number, prefix: string): Segment[] {
  return Array.from({ length: shards }, (_, k) => ({
    id: `${prefix}-${k}`,
    runs: runs.filter((_, i) => i % shards === k),
  })).filter((s) => s.runs.length > 0);
}

/**
 * The plan to run now: the saved one, with the runs its unfinished segments have left dealt
 * again into SHARDS new segments when their count differs (finished segments keep their figures).
 */
function currentPlan(): Segment[] {
  const saved = readPlan();
  if (!saved) {
    const plan = deal(
      Array.from({ length: TARGET }, (_, i) => i + 1),
      SHARDS,
      'a',
    );
    writeJson(PLAN_FILE, plan);
    return plan;
  }
  const open = saved.filter((s) => readProgress(s.id).done < s.runs.length);
  if (open.length === 0 || open.length === SHARDS) return saved;
  const left = open.flatMap((s) => s.runs.slice(readProgress(s.id).done)).sort((a, b) => a - b);
  const generation = String.fromCharCode(97 + new Set(saved.map((s) => s.id.split('-')[0])).size);
  const plan = [
    ...saved.map((s) => (open.includes(s) ? { ...s, runs: s.runs.slice(0, readProgress(s.id).done) } : s)),
    ...deal(left, SHARDS, generation),
  ];
  writeJson(PLAN_FILE, plan);
  return plan;
}

function describeError(error: unknown): string {
  const e = error as Error;
  return `${e?.name}: ${e?.message}\n${e?.stack ?? ''}`;
}

/** One child process: one segment's runs, from where its saved progress stopped. */
async function runSegment(id: string): Promise<void> {
  const segment = readPlan()?.find((s) => s.id === id);
  if (!segment) throw new Error(`no segment ${id} in ${PLAN_FILE}`);
  const all = scenarios();
  const progress = readProgress(id);
  if (progress.done >= segment.runs.length) return;
  const bench = await ChaosBench.start();
  let cpuMark = process.cpuUsage();
  let wallMark = Date.now();
  try {
    while (progress.done < segment.runs.length) {
      const runNumber = segment.runs[progress.done]!;
      const scenario = all[runNumber - 1]!;
      let outcome: ChaosOutcome | undefined;
      try {
        outcome = await bench.run(scenario, runNumber);
      } catch (error) {
        progress.failures.push({ run: runNumber, scenario, threw: describeError(error) });
        log(`run ${runNumber} threw ${(error as Error).name}: ${(error as Error).message}`);
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
          progress.failures.push({ run: runNumber, scenario, violations: outcome.violations });
          log(`run ${runNumber} violated: ${outcome.violations.join('; ')}`);
        }
      }
      progress.done += 1;
      const cpu = process.cpuUsage(cpuMark);
      progress.cpuSeconds = round(progress.cpuSeconds + (cpu.user + cpu.system) / 1e6, 2);
      progress.wallSeconds = round(progress.wallSeconds + (Date.now() - wallMark) / 1000, 2);
      cpuMark = process.cpuUsage();
      wallMark = Date.now();
      writeJson(progressFile(id), progress);
    }
  } finally {
    await bench.stop();
  }
}

/** The figures of every segment together; complete once every run is done. */
function figures(): Record<string, unknown> & { complete: boolean; runs: number } {
  const plan = readPlan() ?? [];
  const segments = plan.map((s) => readProgress(s.id));
  const sum = (f: (p: Progress) => number) => segments.reduce((a, p) => a + f(p), 0);
  const runs = sum((p) => p.done);
  const faults: Record<string, number> = {};
  for (const p of segments) for (const [k, n] of Object.entries(p.faults)) faults[k] = (faults[k] ?? 0) + n;
  const failures = segments.flatMap((p) => p.failures).sort((a, b) => a.run - b.run);
  const cpuSeconds = round(
    sum((p) => p.cpuSeconds),
    1,
  );
  return {
    runsTarget: TARGET,
    runs,
    complete: runs >= TARGET,
    seed: SEED,
    segments: plan.length,
    invariantViolations: failures.length,
    failedRunsPassingOnReplay: failures.filter((f) => f.replay?.passed).length,
    runsWithFaults: sum((p) => p.runsWithFaults),
    awsCalls: sum((p) => p.awsCalls),
    injectedFaults: faults,
    faultsInjected: Object.values(faults).reduce((a, n) => a + n, 0),
    blocksMade: sum((p) => p.blocksMade),
    evictions: sum((p) => p.evictions),
    taskRetries: sum((p) => p.taskRetries),
    tasksAbandoned: sum((p) => p.tasksAbandoned),
    cpuSeconds,
    cpuMsPerRun: runs ? round((cpuSeconds * 1000) / runs, 1) : null,
    failures: failures.map(({ scenario, ...rest }) => ({ ...rest, scenario: JSON.stringify(scenario) })),
    machine: machine(),
  };
}

function report(): void {
  const result = figures();
  const file = writeResults('chaos', result);
  log(JSON.stringify({ ...result, failures: result.failures }, null, 2));
  log(`wrote ${file}`);
}

/** The parent: starts (or resumes) the segments left, and writes the figures when all are done. */
async function runAll(): Promise<void> {
  const open = currentPlan().filter((s) => readProgress(s.id).done < s.runs.length);
  log(`chaos: ${figures().runs} of ${TARGET} runs already done; ${open.length} processes`);
  const codes = await Promise.all(
    open.map(
      (segment) =>
        new Promise<number>((resolve) => {
          const child = spawn(process.execPath, [...process.execArgv, __filename], {
            env: { ...process.env, BENCH_CHAOS_SEGMENT: segment.id },
            stdio: ['ignore', 'inherit', 'inherit'],
          });
          child.on('exit', (code) => resolve(code ?? 1));
        }),
    ),
  );
  if (codes.some((c) => c !== 0)) throw new Error(`a segment exited with ${codes.join(', ')}`);
  report();
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

/** Replays every failed run not yet replayed, and keeps the outcome beside the failure. */
async function replayFailures(): Promise<void> {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: __dirname,
    encoding: 'utf8',
  }).trim();
  const bench = await ChaosBench.start();
  // Replays are numbered past the last run, so their findings never meet a real run's.
  let next = TARGET + 1;
  try {
    for (const segment of readPlan() ?? []) {
      const progress = readProgress(segment.id);
      // A segment still running rewrites its own file: replay only what finished segments hold.
      if (progress.done < segment.runs.length) continue;
      for (const failure of progress.failures.filter((f) => !f.replay)) {
        const at = new Date().toISOString();
        try {
          const outcome = await bench.run(failure.scenario, next++);
          failure.replay = {
            passed: outcome.violations.length === 0,
            commit,
            at,
            violations: outcome.violations,
          };
        } catch (error) {
          failure.replay = { passed: false, commit, at, threw: describeError(error) };
        }
        log(`run ${failure.run} replayed on ${commit}: ${failure.replay.passed ? 'passed' : 'FAILED'}`);
        writeJson(progressFile(segment.id), progress);
      }
    }
  } finally {
    await bench.stop();
  }
}

const main = process.env.BENCH_CHAOS_ONLY
  ? () => replay(Number(process.env.BENCH_CHAOS_ONLY))
  : process.env.BENCH_CHAOS_SEGMENT !== undefined
    ? () => runSegment(process.env.BENCH_CHAOS_SEGMENT!)
    : process.env.BENCH_CHAOS_REPLAY_FAILURES
      ? replayFailures
      : process.env.BENCH_CHAOS_REPORT
        ? async () => report()
        : runAll;

main().catch((error) => {
  log(String(error?.stack ?? error));
  process.exit(1);
});
