import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { BufferedOutput } from '../cli/replay/buffered-output';
import { replay } from '../cli/replay/replay';
import { CORPUS_CONFIG, writeFindingCorpus } from '../test/fixtures/finding-corpus';

/**
 * `npm run bench:replay`: generates 100,000 recorded findings (brute force and port probes of
 * every severity, IPv4/IPv6, private, allow-listed and IPv4-mapped addresses, actor, API-call,
 * sample and archived findings, about 3% malformed lines), replays them as `warden replay --json`
 * does (every finding validated, triaged and serialised; output discarded), and writes
 * bench/results/replay.json.
 *
 * `findingsPerSecond` is wall-clock over the replay alone (generation excluded). The machine is
 * shared, so the CPU time the process got is reported too (`findingsPerCpuSecond`). Set
 * BENCH_FINDINGS to change the count.
 */
async function main(): Promise<void> {
  const count = Number(process.env.BENCH_FINDINGS ?? 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'warden-replay-bench-'));
  const file = join(dir, 'findings.jsonl');
  try {
    process.stderr.write(`generating ${count} findings…\n`);
    const expected = await writeFindingCorpus(file, { count, seed: 7 });
    const bytes = statSync(file).size;

    // Output goes nowhere, but through the same buffering and serialisation as the CLI's.
    let outputBytes = 0;
    const sink = new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        outputBytes += chunk.length;
        callback();
      },
    });
    const out = new BufferedOutput(sink);
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    const sampler = setInterval(() => {
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    }, 50);

    process.stderr.write('replaying…\n');
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const result = await replay(file, CORPUS_CONFIG, {
      onFinding: (report) => out.line(JSON.stringify(report)),
    });
    await out.flush();
    const elapsedMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    clearInterval(sampler);

    const t = result.totals;
    const records = t.findings + t.invalid.count;
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const matches =
      t.findings === expected.findings &&
      t.invalid.count === expected.invalid &&
      JSON.stringify(t.decisions) === JSON.stringify(expected.decisions) &&
      t.addresses.distinctWouldBlock === expected.distinctWouldBlock;
    const figures = {
      findingsPerSecond: Math.round(records / (elapsedMs / 1000)),
      findingsPerCpuSecond: Math.round(records / (cpuMs / 1000)),
      total: records,
      findings: t.findings,
      invalid: t.invalid.count,
      elapsedMs: Math.round(elapsedMs),
      cpuMs: Math.round(cpuMs),
      inputBytes: bytes,
      outputBytes,
      heapGrowthMb: Math.round(((heapPeak - heapBefore) / 1024 / 1024) * 10) / 10,
      decisions: t.decisions,
      distinctAutoBlocked: t.addresses.distinctAutoBlocked,
      distinctAfterApproval: t.addresses.distinctAfterApproval,
      distinctWouldBlock: t.addresses.distinctWouldBlock,
      notBlockedReasons: t.addresses.notBlockedReasons,
      notifications: t.notifications,
      totalsMatchGenerator: matches,
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryGb: Math.round(totalmem() / 1024 ** 3),
        node: process.version,
        platform: process.platform,
      },
      measuredAt: new Date().toISOString(),
    };

    const resultsDir = join(__dirname, 'results');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, 'replay.json'), `${JSON.stringify(figures, null, 2)}\n`);
    process.stdout.write(
      [
        `replayed ${records} records (${t.findings} findings, ${t.invalid.count} invalid) of ${(bytes / 1024 / 1024).toFixed(0)} MiB`,
        `  ${figures.findingsPerSecond} findings/s wall clock (${figures.elapsedMs} ms)`,
        `  ${figures.findingsPerCpuSecond} findings/s of CPU time (${figures.cpuMs} ms)`,
        `  heap growth during the run: ${figures.heapGrowthMb} MB`,
        `  decisions: ${JSON.stringify(t.decisions)}`,
        `  distinct addresses that would be blocked: ${t.addresses.distinctWouldBlock}`,
        `  totals match the generator's count: ${matches}`,
        '  written to bench/results/replay.json',
        '',
      ].join('\n'),
    );
    if (!matches) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:replay failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
