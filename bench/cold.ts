import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { parseConfig } from '../config/load';
import { BUNDLE_MAIN_FIELDS, configDefine } from '../infra/constructs/task-function';
import { deployedFunctions } from '../infra/task-catalog';
import { TRIGGERED_FUNCTIONS } from '../infra/triggers';
import { WORKFLOWS } from '../workflows/index';
import { finish, log, round, type Target, table } from './lib/report';

/**
 * `npm run bench:cold`: every function bundled as the CDK app bundles it (esbuild, CommonJS,
 * minified, ES module builds of packages first, the config compiled in), its size against 1 MB;
 * then the cold initialisation of the finding intake and the block task — a new Node.js process
 * loading the bundle, median of BENCH_COLD_RUNS — next to a bundle of only the AWS SDK clients
 * each one uses, created as the task creates them. Writes bench/results/cold.json.
 */
const ROOT = join(__dirname, '..');
const MB = 1024 * 1024;
const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 9);

/** The SDK clients each measured function uses (its imports), for the baseline bundle. */
const SDK_CLIENTS: Record<string, { pkg: string; client: string }[]> = {
  IntakeFinding: [
    { pkg: '@aws-sdk/client-dynamodb', client: 'DynamoDBClient' },
    { pkg: '@aws-sdk/client-sfn', client: 'SFNClient' },
    { pkg: '@aws-sdk/client-sts', client: 'STSClient' },
  ],
  BlockAddresses: [
    { pkg: '@aws-sdk/client-dynamodb', client: 'DynamoDBClient' },
    { pkg: '@aws-sdk/client-ec2', client: 'EC2Client' },
    { pkg: '@aws-sdk/client-sts', client: 'STSClient' },
  ],
};

async function bundle(entry: string, outfile: string, define: Record<string, string>): Promise<number> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    mainFields: [...BUNDLE_MAIN_FIELDS],
    define,
    logLevel: 'error',
  });
  return statSync(outfile).size;
}

/** Milliseconds to load the bundle (and its handler) in a fresh process, median of RUNS. */
function coldInitMs(file: string): number {
  const script = `const t=process.hrtime.bigint();const m=require(${JSON.stringify(file)});if(typeof m.handler!=='function'&&!m.ready)throw new Error('no handler');process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));`;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const out = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      env: { ...process.env, AWS_REGION: 'eu-west-1', NODE_OPTIONS: '' },
    });
    if (out.status !== 0) throw new Error(`loading ${file} failed: ${out.stderr}`);
    times.push(Number(out.stdout));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
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
  const define = { ...configDefine(config) };
  const dir = mkdtempSync(join(tmpdir(), 'warden-cold-'));
  try {
    const functions = [...deployedFunctions(WORKFLOWS, TRIGGERED_FUNCTIONS).values()];
    const sizes: { id: string; entry: string; bytes: number }[] = [];
    for (const fn of functions) {
      const outfile = join(dir, `${fn.id}.js`);
      sizes.push({
        id: fn.id,
        entry: relative(ROOT, fn.entry),
        bytes: await bundle(fn.entry, outfile, define),
      });
    }
    sizes.sort((a, b) => b.bytes - a.bytes);
    log(`bundled ${sizes.length} functions`);
    const cold: {
      id: string;
      bundleBytes: number;
      initMs: number;
      sdkOnlyBytes: number;
      sdkOnlyInitMs: number;
      ratio: number;
    }[] = [];
    for (const [id, clients] of Object.entries(SDK_CLIENTS)) {
      const baselineEntry = join(dir, `${id}-sdk-only.ts`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        baselineEntry,
        [
          ...clients.map(
            (c, i) =>
              `import { ${c.client} as C${i} } from ${JSON.stringify(join(ROOT, 'node_modules', c.pkg))};`,
          ),
          ...clients.map((_, i) => `new C${i}({});`),
          'export const ready = true;',
        ].join('\n'),
      );
      const baselineOut = join(dir, `${id}-sdk-only.js`);
      const sdkOnlyBytes = await bundle(baselineEntry, baselineOut, {});
      const bundleFile = join(dir, `${id}.js`);
      const initMs = coldInitMs(bundleFile);
      const sdkOnlyInitMs = coldInitMs(baselineOut);
      cold.push({
        id,
        bundleBytes: sizes.find((s) => s.id === id)!.bytes,
        initMs: round(initMs, 1),
        sdkOnlyBytes,
        sdkOnlyInitMs: round(sdkOnlyInitMs, 1),
        ratio: round(initMs / sdkOnlyInitMs, 2),
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
        whyMissed:
          'see bundles in the JSON: the functions over 1 MB are the ones that import the most SDK clients and zod',
      },
      {
        key: 'coldInitRatio',
        label: 'cold init ÷ the same SDK clients alone (worst)',
        value: worstRatio,
        op: '<=',
        limit: 1.5,
        whyMissed:
          'the task code around the clients (zod schemas built at load, the config parsed at cold start) costs more than the clients',
      },
    ];
    const figures = {
      largestBundleBytes: largest.bytes,
      bundlesOver1MB: sizes.filter((s) => s.bytes > MB).length,
      coldInitRatio: worstRatio,
      cold,
      bundles: sizes,
      runs: RUNS,
      method:
        'esbuild with the options of infra/constructs/task-function.ts (CommonJS, minified, mainFields module then main, the config compiled in; no source map in the size). Cold init: a new Node.js process requires the bundle; the time from before the require to after it, median of the runs; no network call is made. The baseline bundles only the function’s AWS SDK clients and creates one of each.',
    };
    finish('cold', figures, targets, [
      'bench:cold — bundle sizes and cold initialisation',
      table(
        ['function', 'bundle', 'init (median)', 'SDK clients only', 'init (median)', 'ratio'],
        cold.map((c) => [
          c.id,
          `${round(c.bundleBytes / 1024, 1)} KiB`,
          `${c.initMs} ms`,
          `${round(c.sdkOnlyBytes / 1024, 1)} KiB`,
          `${c.sdkOnlyInitMs} ms`,
          c.ratio,
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
