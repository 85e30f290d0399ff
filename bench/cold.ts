import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseConfig } from '../config/load';
import { buildTaskBundles, bundleOutput, type TaskBundleResult } from '../infra/bundling/task-bundle';
import { deployedFunctions } from '../infra/task-catalog';
import { TRIGGERED_FUNCTIONS } from '../infra/triggers';
import { parseFindingEvent } from '../tasks/response/finding';
import { triageFinding } from '../tasks/response/triage';
import { makeFindingEvent } from '../test/fixtures/findings';
import { WORKFLOWS } from '../workflows/index';
import { finish, log, round, type Target, table } from './lib/report';

/**
 * `npm run bench:cold`: every function bundled as the CDK app bundles it (`buildTaskBundles`:
 * esbuild, CommonJS, minified, ES module builds of packages first, the SDK's schema files with
 * literal keys, the config compiled in), its size against 1 MB; then the cold initialisation of
 * the finding intake and the block task — a new Node.js process loading the bundle, median of
 * BENCH_COLD_RUNS — next to a bundle, built the same way, of only the AWS SDK clients found in
 * the function's bundle, one of each created. Then the same again up to the end of the first
 * invocation (see `FIRST_INVOCATIONS`). Writes bench/results/cold.json.
 */
const ROOT = join(__dirname, '..');
const MB = 1024 * 1024;
const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 9);

/** The functions whose cold initialisation is measured. */
const MEASURED = ['IntakeFinding', 'BlockAddresses'];

/**
 * Where every AWS call of the first invocation goes: a local port nothing listens on, so the
 * first request is refused at once (one attempt) and no network time is counted. The first
 * invocation is thus all that a function does before its first answer from AWS: building its
 * dependencies (logger, clients), validating its input, deciding, and serializing and signing
 * its first request. The SDK-only baseline sends one DynamoDB request the same way (both
 * functions' first call is to DynamoDB: the intake keeps the evidence, the block task reads it).
 */
const REFUSING_ENDPOINT = 'http://127.0.0.1:9';
const INVOKE_ENV = {
  AWS_ENDPOINT_URL: REFUSING_ENDPOINT,
  AWS_MAX_ATTEMPTS: '1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

/** The first invocation of each measured function: its event and the variables its manifest reads. */
function firstInvocations(
  config: ReturnType<typeof parseConfig>,
): Record<string, { event: unknown; env: Record<string, string> }> {
  const event = makeFindingEvent();
  const stateMachineArns = JSON.stringify({
    response: 'arn:aws:states:eu-west-1:222222222222:stateMachine:warden-response',
  });
  return {
    IntakeFinding: {
      event,
      env: { FINDINGS_TABLE: 'warden-findings', STATE_MACHINE_ARNS: stateMachineArns },
    },
    BlockAddresses: {
      event: {
        triage: triageFinding(parseFindingEvent(event), config),
        executionArn: 'arn:aws:states:eu-west-1:222222222222:execution:warden-response:f-1',
      },
      env: {
        LEDGER_TABLE: 'warden-ledger',
        FINDINGS_TABLE: 'warden-findings',
        TOPIC_ARN: 'arn:aws:sns:eu-west-1:222222222222:warden',
      },
    },
  };
}

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
  /** The same from before the require to the end of the first invocation, when one was made. */
  invokeWallMs?: number;
  invokeCpuMs?: number;
  /** How the first invocation ended: its error's message (the refused first request). */
  invokeEnd?: string;
}

/**
 * Loads the bundle (and checks its handler) in a fresh Node.js process; with `invoke`, then calls
 * the function's handler with its event (or the baseline's `firstCall`) and waits for it to end.
 */
function loadOnce(file: string, invoke?: { event: unknown; env: Record<string, string> }): LoadTimes {
  const first = invoke
    ? `const f=m.handler?m.handler(${JSON.stringify(invoke.event)}):m.firstCall();f.then(()=>done('answered'),(e)=>done(String(e&&e.message)));`
    : 'done();';
  const script = `const t=process.hrtime.bigint();const c=process.cpuUsage();const m=require(${JSON.stringify(file)});const u=process.cpuUsage(c);const w=Number(process.hrtime.bigint()-t)/1e6;if(typeof m.handler!=='function'&&!m.ready)throw new Error('no handler');function done(end){const r={wallMs:w,cpuMs:(u.user+u.system)/1e3};if(end!==undefined){const v=process.cpuUsage(c);r.invokeWallMs=Number(process.hrtime.bigint()-t)/1e6;r.invokeCpuMs=(v.user+v.system)/1e3;r.invokeEnd=end;}process.stdout.write(JSON.stringify(r));}${first}`;
  const out = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: {
      ...process.env,
      AWS_REGION: 'eu-west-1',
      NODE_OPTIONS: '',
      ...(invoke ? { ...INVOKE_ENV, ...invoke.env } : {}),
    },
  });
  if (out.status !== 0) throw new Error(`loading ${file} failed: ${out.stderr}`);
  const times = JSON.parse(out.stdout) as LoadTimes;
  if (invoke && !/ECONNREFUSED/.test(times.invokeEnd ?? '')) {
    throw new Error(
      `the first invocation of ${file} did not end at its first AWS request: ${times.invokeEnd}`,
    );
  }
  return times;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface MedianTimes {
  wallMs: number;
  cpuMs: number;
  invokeWallMs: number;
  invokeCpuMs: number;
}

/**
 * Median times of a function's bundle and of its SDK-only baseline over RUNS, the two run in
 * turn so that whatever else the machine is doing weighs on both alike: the load alone, and in
 * other processes the load and the first invocation.
 */
function coldInit(
  file: string,
  baseline: string,
  invoke: { event: unknown; env: Record<string, string> },
): { fn: MedianTimes; sdkOnly: MedianTimes } {
  const fn: LoadTimes[] = [];
  const sdkOnly: LoadTimes[] = [];
  const fnInvoked: LoadTimes[] = [];
  const sdkOnlyInvoked: LoadTimes[] = [];
  for (let i = 0; i < RUNS; i++) {
    fn.push(loadOnce(file));
    sdkOnly.push(loadOnce(baseline));
    fnInvoked.push(loadOnce(file, invoke));
    sdkOnlyInvoked.push(loadOnce(baseline, { event: undefined, env: {} }));
  }
  const medians = (runs: LoadTimes[], invoked: LoadTimes[]): MedianTimes => ({
    wallMs: median(runs.map((r) => r.wallMs)),
    cpuMs: median(runs.map((r) => r.cpuMs)),
    invokeWallMs: median(invoked.map((r) => r.invokeWallMs!)),
    invokeCpuMs: median(invoked.map((r) => r.invokeCpuMs!)),
  });
  return { fn: medians(fn, fnInvoked), sdkOnly: medians(sdkOnly, sdkOnlyInvoked) };
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
          `import { GetItemCommand } from ${JSON.stringify(join(ROOT, 'node_modules', '@aws-sdk/client-dynamodb'))};`,
          ...clients.map((_, i) => `const c${i} = new C${i}({});`),
          'export const ready = true;',
          // The first request the functions make, to DynamoDB.
          `export const firstCall = () => c${clients.findIndex((c) => c.client === 'DynamoDBClient')}.send(new GetItemCommand({ TableName: 'warden-findings', Key: { pk: { S: 'f' } } }));`,
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
      firstInvokeMs: number;
      firstInvokeCpuMs: number;
      sdkOnlyFirstCallMs: number;
      sdkOnlyFirstCallCpuMs: number;
      firstInvokeRatio: number;
      firstInvokeCpuRatio: number;
    }[] = [];
    const invocations = firstInvocations(config);
    for (const { id, clients } of baselines) {
      const init = coldInit(join(dir, `${id}.js`), join(dir, `${id}-sdk-only.js`), invocations[id]!);
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
        firstInvokeMs: round(init.fn.invokeWallMs, 1),
        firstInvokeCpuMs: round(init.fn.invokeCpuMs, 1),
        sdkOnlyFirstCallMs: round(init.sdkOnly.invokeWallMs, 1),
        sdkOnlyFirstCallCpuMs: round(init.sdkOnly.invokeCpuMs, 1),
        firstInvokeRatio: round(init.fn.invokeWallMs / init.sdkOnly.invokeWallMs, 2),
        firstInvokeCpuRatio: round(init.fn.invokeCpuMs / init.sdkOnly.invokeCpuMs, 2),
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
      firstInvokeRatio: Math.max(...cold.map((c) => c.firstInvokeRatio)),
      firstInvokeCpuRatio: Math.max(...cold.map((c) => c.firstInvokeCpuRatio)),
      cold,
      bundles: sizes,
      runs: RUNS,
      method:
        'buildTaskBundles of infra/bundling/task-bundle.ts, as the CDK app bundles (CommonJS, minified, mainFields module then main, the SDK schema files with literal keys, the config compiled in; no source map in the size). Cold init: a new Node.js process requires the bundle; the wall-clock time from before the require to after it and the CPU time the process spent in it, medians of the runs, the function and its baseline loaded in turn; no network call is made. The target is on the wall-clock ratio; the CPU ratio is less disturbed by other work on the machine. The baseline bundles, the same way, only the AWS SDK client packages found in the function’s bundle and creates one client of each. First invocation: in other processes, from before the require to the end of the handler’s first call with a finding event (the intake) or its triage (the block task), every AWS request sent to a local port nothing listens on with one attempt, so the invocation ends at its first request, refused, and no network time is counted; the baseline sends one DynamoDB GetItem the same way, as both functions’ first request is to DynamoDB.',
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
        ['function', 'init + first invocation', 'SDK clients + first call', 'ratio', 'CPU ratio'],
        cold.map((c) => [
          c.id,
          `${c.firstInvokeMs} ms (CPU ${c.firstInvokeCpuMs})`,
          `${c.sdkOnlyFirstCallMs} ms (CPU ${c.sdkOnlyFirstCallCpuMs})`,
          c.firstInvokeRatio,
          c.firstInvokeCpuRatio,
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
