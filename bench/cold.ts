import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseConfig } from '../config/load';
import { buildTaskBundles, bundleOutput, type TaskBundleResult } from '../infra/bundling/task-bundle';
import { deployedFunctions } from '../infra/task-catalog';
import { TRIGGERED_FUNCTIONS } from '../infra/triggers';
import { WORKFLOWS } from '../workflows/index';
import { finish, log, round, type Target, table } from './lib/report';

/**
 * `npm run bench:cold`: every function bundled as the CDK app bundles it (`buildTaskBundles`:
 * esbuild, CommonJS, minified, ES module builds of packages first, the SDK's schema files with
 * literal keys, the config compiled in), its size against 1 MB; then the cold initialisation of
 * the finding intake and the block task — a new Node.js process loading the bundle, median of
 * BENCH_COLD_RUNS — next to a bundle, built the same way, of only the AWS SDK clients found in
 * the function's bundle, one of each created. Writes bench/results/cold.json.
 */
const ROOT = join(__dirname, '..');
const MB = 1024 * 1024;
const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 9);

/** The functions whose cold initialisation is measured. */
const MEASURED = ['IntakeFinding', 'BlockAddresses'];

/** The AWS SDK client packages inside a bundle, read from esbuild's metafile. */
function sdkClientsIn(result: TaskBundleResult, name: string): string[] {
  const packages = Object.keys(bundleOutput(result, name).inputs)
    .map((file) => /node_modules\/(@aws-sdk\/client-[^/]+)\//.exec(file)?.[1])
    .filter((pkg): pkg is string => pkg !== undefined);
  return [...new Set(packages)].sort();
}

/** The client class a package exports (`DynamoDBClient` for `@aws-sdk/client-dynamodb`). */
function clientClassOf(pkg: string): string {
  const exports = require(join(ROOT, 'node_modules', pkg)) as Record<string, unknown>;
  const classes = Object.keys(exports).filter((name) => /^[A-Za-z0-9]+Client$/.test(name));
  if (classes.length !== 1)
    throw new Error(`${pkg} exports ${classes.length} client classes: ${classes.join(', ')}`);
  return classes[0]!;
}

/**
 * The three packages (or project folders) with the most bytes in a bundle, e.g.
 * `@aws-sdk/client-ec2 540 KiB, @smithy/core 131 KiB, zod 97 KiB`.
 */
function largestParts(
  result: TaskBundleResult,
  name: string,
  keep: (part: string) => boolean = () => true,
): string {
  const parts = new Map<string, number>();
  for (const [file, input] of Object.entries(bundleOutput(result, name).inputs)) {
    const part =
      /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1] ?? file.split('/').slice(0, 2).join('/');
    parts.set(part, (parts.get(part) ?? 0) + input.bytesInOutput);
  }
  return [...parts]
    .filter(([part]) => keep(part))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([part, bytes]) => `${part} ${round(bytes / 1024, 0)} KiB`)
    .join(', ');
}

interface LoadTimes {
  /** Wall-clock milliseconds from before the require to after it. */
  wallMs: number;
  /** CPU milliseconds (user and system) the process spent in that time. */
  cpuMs: number;
}

/** Loads the bundle (and checks its handler) in a fresh Node.js process. */
function loadOnce(file: string): LoadTimes {
  const script = `const t=process.hrtime.bigint();const c=process.cpuUsage();const m=require(${JSON.stringify(file)});const u=process.cpuUsage(c);const w=Number(process.hrtime.bigint()-t)/1e6;if(typeof m.handler!=='function'&&!m.ready)throw new Error('no handler');process.stdout.write(JSON.stringify({wallMs:w,cpuMs:(u.user+u.system)/1e3}));`;
  const out = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { ...process.env, AWS_REGION: 'eu-west-1', NODE_OPTIONS: '' },
  });
  if (out.status !== 0) throw new Error(`loading ${file} failed: ${out.stderr}`);
  return JSON.parse(out.stdout) as LoadTimes;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Median load times of a function's bundle and of its SDK-only baseline over RUNS, the two loaded
 * in turn so that whatever else the machine is doing weighs on both alike.
 */
function coldInit(file: string, baseline: string): { fn: LoadTimes; sdkOnly: LoadTimes } {
  const fn: LoadTimes[] = [];
  const sdkOnly: LoadTimes[] = [];
  for (let i = 0; i < RUNS; i++) {
    fn.push(loadOnce(file));
    sdkOnly.push(loadOnce(baseline));
  }
  const medians = (runs: LoadTimes[]) => ({
    wallMs: median(runs.map((r) => r.wallMs)),
    cpuMs: median(runs.map((r) => r.cpuMs)),
  });
  return { fn: medians(fn), sdkOnly: medians(sdkOnly) };
}

async function main(): Promise<void> {
  const config = parseConfig({
    organization: {
      managementAccountId: '111111111111',
      securityAccountId: '222222222222',
      homeRegion: 'eu-west-1',
      regions: ['eu-west-1'],
      organizationId: 'o-exampleorg1',
      controlTowerHomeRegion: 'eu-west-1',
    },
    response: {},
  });
  const dir = mkdtempSync(join(tmpdir(), 'warden-cold-'));
  try {
    const functions = [...deployedFunctions(WORKFLOWS, TRIGGERED_FUNCTIONS).values()];
    const built = await buildTaskBundles({
      entries: functions.map((fn) => ({ name: fn.id, entry: fn.entry })),
      outdir: dir,
      config,
      sourcemap: false,
    });
    const sizes = functions
      .map((fn) => ({ id: fn.id, entry: relative(ROOT, fn.entry), bytes: bundleOutput(built, fn.id).bytes }))
      .sort((a, b) => b.bytes - a.bytes);
    log(`bundled ${sizes.length} functions`);
    const baselines = MEASURED.map((id) => {
      const clients = sdkClientsIn(built, id).map((pkg) => ({ pkg, client: clientClassOf(pkg) }));
      const entry = join(dir, `${id}-sdk-only.ts`);
      writeFileSync(
        entry,
        [
          ...clients.map(
            (c, i) =>
              `import { ${c.client} as C${i} } from ${JSON.stringify(join(ROOT, 'node_modules', c.pkg))};`,
          ),
          ...clients.map((_, i) => `new C${i}({});`),
          'export const ready = true;',
        ].join('\n'),
      );
      return { id, clients, entry };
    });
    const baselineBuilt = await buildTaskBundles({
      entries: baselines.map((b) => ({ name: `${b.id}-sdk-only`, entry: b.entry })),
      outdir: dir,
      sourcemap: false,
    });
    const cold: {
      id: string;
      sdkClients: string[];
      bundleBytes: number;
      initMs: number;
      initCpuMs: number;
      sdkOnlyBytes: number;
      sdkOnlyInitMs: number;
      sdkOnlyInitCpuMs: number;
      ratio: number;
      cpuRatio: number;
    }[] = [];
    for (const { id, clients } of baselines) {
      const init = coldInit(join(dir, `${id}.js`), join(dir, `${id}-sdk-only.js`));
      cold.push({
        id,
        sdkClients: clients.map((c) => c.client),
        bundleBytes: sizes.find((s) => s.id === id)!.bytes,
        initMs: round(init.fn.wallMs, 1),
        initCpuMs: round(init.fn.cpuMs, 1),
        sdkOnlyBytes: bundleOutput(baselineBuilt, `${id}-sdk-only`).bytes,
        sdkOnlyInitMs: round(init.sdkOnly.wallMs, 1),
        sdkOnlyInitCpuMs: round(init.sdkOnly.cpuMs, 1),
        ratio: round(init.fn.wallMs / init.sdkOnly.wallMs, 2),
        cpuRatio: round(init.fn.cpuMs / init.sdkOnly.cpuMs, 2),
      });
    }
    const largest = sizes[0]!;
    const worstRatio = Math.max(...cold.map((c) => c.ratio));
    const targets: Target[] = [
      {
        key: 'largestBundleBytes',
        label: `largest bundle (${largest.id})`,
        value: largest.bytes,
        op: '<=',
        limit: MB,
        unit: 'B',
        whyMissed: sizes
          .filter((b) => b.bytes > MB)
          .map((b) => `${b.id} ${round(b.bytes / MB, 2)} MB, most of it ${largestParts(built, b.id)}`)
          .join('; '),
      },
      {
        key: 'coldInitRatio',
        label: 'cold init ÷ the same SDK clients alone (worst)',
        value: worstRatio,
        op: '<=',
        limit: 1.5,
        whyMissed: cold
          .filter((c) => c.ratio > 1.5)
          .map(
            (c) =>
              `${c.id} loads in ${round(c.initMs - c.sdkOnlyInitMs, 1)} ms more than its SDK clients alone; what it adds to them is mostly ${largestParts(built, c.id, (part) => !part.startsWith('@aws-sdk/') && !part.startsWith('@smithy/'))}`,
          )
          .join('; '),
      },
    ];
    const figures = {
      largestBundleBytes: largest.bytes,
      bundlesOver1MB: sizes.filter((s) => s.bytes > MB).length,
      coldInitRatio: worstRatio,
      coldInitCpuRatio: Math.max(...cold.map((c) => c.cpuRatio)),
      cold,
      bundles: sizes,
      runs: RUNS,
      method:
        'buildTaskBundles of infra/bundling/task-bundle.ts, as the CDK app bundles (CommonJS, minified, mainFields module then main, the SDK schema files with literal keys, the config compiled in; no source map in the size). Cold init: a new Node.js process requires the bundle; the wall-clock time from before the require to after it and the CPU time the process spent in it, medians of the runs, the function and its baseline loaded in turn; no network call is made. The target is on the wall-clock ratio; the CPU ratio is less disturbed by other work on the machine. The baseline bundles, the same way, only the AWS SDK client packages found in the function’s bundle and creates one client of each.',
    };
    finish('cold', figures, targets, [
      'bench:cold — bundle sizes and cold initialisation',
      table(
        [
          'function',
          'bundle',
          'init (median)',
          'SDK clients only',
          'init (median)',
          'ratio',
          'CPU ratio',
          'clients',
        ],
        cold.map((c) => [
          c.id,
          `${round(c.bundleBytes / 1024, 1)} KiB`,
          `${c.initMs} ms (CPU ${c.initCpuMs})`,
          `${round(c.sdkOnlyBytes / 1024, 1)} KiB`,
          `${c.sdkOnlyInitMs} ms (CPU ${c.sdkOnlyInitCpuMs})`,
          c.ratio,
          c.cpuRatio,
          c.sdkClients.join(', '),
        ]),
      ),
      '',
      table(
        ['function', 'entry', 'bundle'],
        sizes.map((s) => [s.id, s.entry, `${round(s.bytes / 1024, 1)} KiB`]),
      ),
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:cold failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
