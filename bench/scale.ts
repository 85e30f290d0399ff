import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ManualClock } from '../runtime/clock';
import type { HistoryEvent } from '../runtime/history';
import { type LocalWarden, startLocalWarden } from '../runtime/local-warden';
import { waitForExecutions } from '../runtime/onboarding-runner';
import { DEFAULT_REGIONS } from '../runtime/sandbox/account';
import { THROTTLING_CODES } from '../runtime/sandbox/aws-error';
import { demoMembers } from '../runtime/sandbox/demo-organization';
import { type ActiveBlock, naclKey } from '../tasks/response/ledger';
import { ACCOUNT_REGION_CONCURRENCY } from '../tasks/response/reconcile-blocks';
import { tableClient } from '../tasks/shared/tables';
import { enableFleet } from '../test/fixtures/enabled-fleet';
import { CallAttribution, type Invocation } from './lib/instrument';
import { callLatencyMs, describeLatencyModel, LATENCY_MODEL } from './lib/latency';
import { BENCH_SECURITY, benchConfig } from './lib/organization';
import { closingLines, log, round, type Target, table, writeFigures } from './lib/report';

/**
 * `npm run bench:scale`: the drift sweep, the free-trial watch and the reconciler at 1,000, 5,000
 * and 10,000 accounts × 17 regions (200, 2,000 and 20,000 NACLs touched), with 20% of GuardDuty,
 * Organizations, EC2, STS and DynamoDB calls throttled, on the local runtime with the sandbox.
 * Members start Enabled as configured (the onboarding that precedes them is bench:onboarding's);
 * one account in a thousand has drifted in one region, and the reconciler's NACLs each hold one
 * Warden deny with its ledger row. Prints a table and writes bench/results/scale.json.
 *
 * Environment: BENCH_SCALE_ACCOUNTS (comma-separated sizes, default "1000,5000,10000").
 */

const SECURITY = BENCH_SECURITY;
const THROTTLE_RATE = 0.2;
const THROTTLED_SERVICES = ['guardduty', 'organizations', 'ec2', 'sts', 'dynamodb'];
const STATE_LIMIT_BYTES = 256 * 1024;
const HISTORY_EVENT_LIMIT = 25_000;
/** NACLs the reconciler finds active blocks in, by organisation size (the issue's sizes). */
const NACLS_TOUCHED: Record<number, number> = { 1000: 200, 5000: 2000, 10000: 20000 };
/** Calls a task makes at once (see the tasks): regions within a batch, account-regions in the reconciler. */
const IN_TASK_CONCURRENCY: Record<string, number> = {
  SweepAccountBatch: 4,
  ReadFreeTrialDays: 4,
  ReconcileBlocks: ACCOUNT_REGION_CONCURRENCY,
};

type Job = 'sweep' | 'free-trial' | 'reconcile';

interface JobFigures {
  job: Job;
  accounts: number;
  accountRegions: number;
  naclsTouched?: number;
  completed: boolean;
  executions: number;
  invocations: number;
  stateTransitions: number;
  apiCalls: number;
  throttledCalls: number;
  apiCallsPerAccountRegion: number;
  longestInvocationSeconds: number;
  longestInvocationTask: string;
  timeoutSeconds: number;
  peakStateBytes: number;
  largestHistoryEvents: number;
  wallClockSeconds: number;
  /** `status error: cause` of each execution that did not succeed. */
  failures: string[];
}

async function startFleet(accounts: number): Promise<LocalWarden> {
  const config = benchConfig({
    organization: { organizationId: 'o-exampleorg1', controlTowerHomeRegion: 'eu-west-1' },
    response: { mode: 'enforce', ruleBand: { start: 1, end: 1000 } },
  });
  const members = demoMembers(accounts);
  const warden = await startLocalWarden({
    config,
    members,
    clock: new ManualClock(Date.parse('2026-03-01T10:00:00Z')),
    retryIntervalMs: 0,
    workflows: ['onboarding', 'sweep', 'free-trial', 'reconcile'],
  });
  enableFleet(
    warden,
    members.map((m) => m.id),
  );
  // One account in a thousand has drifted in one region: the sweep repairs it.
  const gd = warden.world.services.guardduty;
  for (let i = 0; i < members.length; i += 1000)
    gd.setRelationship(SECURITY, members[i]!.id, 'ap-south-1', 'Removed');
  return warden;
}

/** NACLs with one Warden deny each and their ledger rows, two per account-region. */
async function touchNacls(warden: LocalWarden, memberCount: number, count: number): Promise<void> {
  const ec2 = warden.world.services.ec2;
  const members = demoMembers(memberCount).map((m) => m.id);
  const regions = warden.config.organization.regions;
  const rows: ActiveBlock[] = [];
  for (let i = 0; i < count / 2; i++) {
    const account = members[i % members.length]!;
    const region = regions[Math.floor(i / members.length) % regions.length]!;
    const vpcId = ec2.createVpc(account, region, '10.0.0.0/16');
    for (let j = 0; j < 2; j++) {
      const naclId = ec2.createNacl(account, region, vpcId);
      const cidr = `203.0.113.${(j % 250) + 1}/32`;
      ec2.addEntryByHand(naclId, {
        RuleNumber: 10,
        Protocol: '-1',
        RuleAction: 'deny',
        Egress: false,
        CidrBlock: cidr,
      });
      rows.push({
        account,
        region,
        naclId,
        cidr,
        ruleNumber: 10,
        blockId: `bench-${i}-${j}`,
        state: 'ACTIVE',
        findingId: `bench-finding-${i}-${j}`,
        executionArn: `arn:aws:states:eu-west-1:${SECURITY}:execution:warden-response:bench-${i}-${j}`,
        createdAt: '2026-03-01T09:00:00.000Z',
        expiresAt: '2026-03-01T12:00:00.000Z',
      });
    }
  }
  const db = tableClient(warden.deps);
  const items = rows.flatMap((row) => [
    { pk: naclKey(row), sk: `CIDR#${row.cidr}`, kind: 'ACTIVE_BLOCK', ...row },
    // Old history in the same NACLs' accounts: blocks that ended a month ago.
    {
      pk: `BLOCK#old-${row.blockId}`,
      sk: 'BLOCK',
      kind: 'BLOCK_RECORD',
      ...row,
      naclId: `${row.naclId}`,
      blockId: `old-${row.blockId}`,
      dryRun: false,
      expiresAt: '2026-01-30T12:00:00.000Z',
      removedAt: '2026-01-30T12:00:01.000Z',
      removal: 'EXPIRED_REMOVED',
    },
  ]);
  for (let i = 0; i < items.length; i += 25) {
    await db.send(
      new BatchWriteCommand({
        RequestItems: {
          [warden.deps.tables.ledger]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );
  }
}

function stateBytes(event: HistoryEvent): number {
  let peak = 0;
  const visit = (value: unknown, key?: string) => {
    if (typeof value === 'string' && (key === 'input' || key === 'output')) {
      peak = Math.max(peak, Buffer.byteLength(value, 'utf8'));
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    }
  };
  visit(event);
  return peak;
}

async function runJob(
  warden: LocalWarden,
  attribution: CallAttribution,
  job: Job,
  accounts: number,
  naclsTouched?: number,
): Promise<JobFigures> {
  const cloud = warden.world.cloud;
  const fromCall = cloud.calls.length;
  const fromInvocation = attribution.invocations.length;
  const transitionsBefore = warden.runtime.stateTransitions;
  const started = performance.now();
  const { executionArn } = warden.runtime.start(warden.stateMachines[job]!, { trigger: 'schedule' });
  const [record] = await waitForExecutions(warden, [executionArn]);
  const executions = [record!];
  if (job === 'sweep' && record!.status === 'SUCCEEDED') {
    const repairs = (JSON.parse(record!.output ?? '{}') as { repairs?: string[] }).repairs ?? [];
    executions.push(...(await waitForExecutions(warden, repairs)));
  }
  const wallMs = performance.now() - started;
  const calls = attribution.callsSince(fromCall);
  const invocations = attribution.invocations.slice(fromInvocation).filter((i) => i.stateName);
  const costOf = new Map<Invocation, number>();
  for (const call of calls) {
    if (!call.invocation) continue;
    costOf.set(
      call.invocation,
      (costOf.get(call.invocation) ?? 0) + callLatencyMs(call.service, call.operation),
    );
  }
  let longest = 0;
  let longestTask = '';
  for (const inv of invocations) {
    const taskId = STATE_TASKS.get(inv.stateName!) ?? inv.stateName!;
    const ms = LATENCY_MODEL.lambdaWarmInvokeMs + (costOf.get(inv) ?? 0) / (IN_TASK_CONCURRENCY[taskId] ?? 1);
    if (ms > longest) {
      longest = ms;
      longestTask = taskId;
    }
  }
  let peak = 0;
  let largestHistory = 0;
  for (const e of executions) {
    const history = warden.runtime.store.history(e.executionArn);
    largestHistory = Math.max(largestHistory, history.length);
    for (const event of history) peak = Math.max(peak, stateBytes(event));
  }
  const regions = warden.config.organization.regions.length;
  const accountRegions = job === 'reconcile' ? Math.ceil((naclsTouched ?? 0) / 2) : accounts * regions;
  return {
    job,
    accounts,
    accountRegions,
    ...(naclsTouched !== undefined ? { naclsTouched } : {}),
    completed: executions.every((e) => e.status === 'SUCCEEDED'),
    failures: executions
      .filter((e) => e.status !== 'SUCCEEDED')
      .map((e) => `${e.status} ${e.error ?? ''}: ${(e.cause ?? '').slice(0, 500)}`),
    executions: executions.length,
    invocations: invocations.length,
    stateTransitions: warden.runtime.stateTransitions - transitionsBefore,
    apiCalls: calls.length,
    throttledCalls: calls.filter((c) => c.error && THROTTLING_CODES.has(c.error)).length,
    apiCallsPerAccountRegion: round(calls.length / accountRegions, 3),
    longestInvocationSeconds: round(longest / 1000, 2),
    longestInvocationTask: longestTask,
    timeoutSeconds: 60,
    peakStateBytes: peak,
    largestHistoryEvents: largestHistory,
    wallClockSeconds: round(wallMs / 1000, 1),
  };
}

/** The task behind each state the in-task concurrency applies to. */
const STATE_TASKS = new Map<string, string>([
  ["Find the batch's drift and start its repair", 'SweepAccountBatch'],
  ['Read the remaining free-trial days', 'ReadFreeTrialDays'],
  ['Compare the ledger with the network ACLs', 'ReconcileBlocks'],
]);

async function runSize(accounts: number): Promise<JobFigures[]> {
  log(`${accounts} accounts × ${DEFAULT_REGIONS.length} regions: setting up…`);
  const setUpStarted = performance.now();
  const warden = await startFleet(accounts);
  try {
    const touched = NACLS_TOUCHED[accounts] ?? Math.round(accounts / 5);
    await touchNacls(warden, accounts, touched);
    log(`  set up in ${round((performance.now() - setUpStarted) / 1000, 1)} s`);
    const attribution = new CallAttribution(warden);
    for (const service of THROTTLED_SERVICES)
      warden.world.cloud.faults.throttle({ service, rate: THROTTLE_RATE });
    const out: JobFigures[] = [];
    for (const job of ['sweep', 'free-trial', 'reconcile'] as const) {
      log(`  ${job}…`);
      out.push(await runJob(warden, attribution, job, accounts, job === 'reconcile' ? touched : undefined));
    }
    return out;
  } finally {
    await warden.stop();
  }
}

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_SCALE_ACCOUNTS ?? '1000,5000,10000').split(',').map(Number);
  // Sizes not run this time keep their last figures, so one size can be measured again alone.
  const runs: JobFigures[] = previousRuns().filter((r) => !sizes.includes(r.accounts));
  for (const size of sizes) {
    runs.push(...(await runSize(size)));
    // Written after every size, so a long run that is stopped keeps what it measured.
    const pending = sizes.filter((s) => !runs.some((r) => r.accounts === s));
    const { file, text } = report(runs, pending);
    log(
      `  ${size} accounts done; written to ${file}${pending.length ? ` (still to run: ${pending.join(', ')})` : ''}`,
    );
    if (!pending.length) process.stdout.write(text);
  }
}

function previousRuns(): JobFigures[] {
  const file = join(__dirname, 'results', 'scale.json');
  if (!existsSync(file)) return [];
  const runs = (JSON.parse(readFileSync(file, 'utf8')) as { runs?: Partial<JobFigures>[] }).runs ?? [];
  return runs.map((r) => ({ ...(r as JobFigures), failures: r.failures ?? [] }));
}

function report(runs: JobFigures[], pending: number[]): { file: string; text: string } {
  const sizes = [...new Set(runs.map((r) => r.accounts))].sort((a, b) => a - b);
  runs.sort((a, b) => a.accounts - b.accounts);
  const smallest = Math.min(...sizes);
  const largest = Math.max(...sizes);
  const growth: Record<string, number> = {};
  for (const job of ['sweep', 'free-trial', 'reconcile'] as const) {
    const a = runs.find((r) => r.job === job && r.accounts === smallest)!;
    const b = runs.find((r) => r.job === job && r.accounts === largest)!;
    // Calls per unit of work at the largest size ÷ at the smallest: 1 is linear, below 1 better.
    growth[job] = round(b.apiCallsPerAccountRegion / a.apiCallsPerAccountRegion, 2);
  }
  const allCompleted = runs.every((r) => r.completed) ? 1 : 0;
  const longest = Math.max(...runs.map((r) => r.longestInvocationSeconds));
  const peak = Math.max(...runs.map((r) => r.peakStateBytes));
  const history = Math.max(...runs.map((r) => r.largestHistoryEvents));
  const worstGrowth = Math.max(...Object.values(growth));
  const targets: Target[] = [
    { key: 'allCompleted', label: 'every run completed (1 = yes)', value: allCompleted, op: '>=', limit: 1 },
    {
      key: 'longestInvocationSeconds',
      label: 'longest Lambda run (model)',
      value: longest,
      op: '<=',
      limit: 60,
      unit: 's',
    },
    {
      key: 'peakStateBytes',
      label: 'peak state size',
      value: peak,
      op: '<=',
      limit: STATE_LIMIT_BYTES,
      unit: 'B',
    },
    {
      key: 'largestHistoryEvents',
      label: 'largest execution history',
      value: history,
      op: '<=',
      limit: HISTORY_EVENT_LIMIT,
    },
    {
      key: 'worstGrowthRatio',
      label: `calls per unit of work, ${largest} ÷ ${smallest} accounts`,
      value: worstGrowth,
      op: '<=',
      limit: 1.1,
    },
  ];
  const figures = {
    allCompleted,
    longestInvocationSeconds: longest,
    peakStateBytes: peak,
    largestHistoryEvents: history,
    worstGrowthRatio: worstGrowth,
    growth,
    runs,
    throttling: `${THROTTLE_RATE * 100}% of ${THROTTLED_SERVICES.join(', ')} calls answered with each service's throttling error (seeded); SDK attempts 1`,
    model:
      "longest Lambda run = warm invoke + the sum of its calls' latencies (latency model, throttled attempts included) ÷ the calls the task makes at once (4 regions in a sweep or free-trial batch, 16 account-regions in the reconciler); the timeout is each function's 60 s. apiCallsPerAccountRegion: sweep and free-trial per account × region, reconciler per account-region with touched NACLs. Peak state: the largest input or output of any history event (UTF-8 bytes). The sweep's figures include the onboarding executions that repair its drifted batches.",
    sizesMeasured: sizes,
    sizesPending: pending,
    latencyModel: describeLatencyModel(),
  };
  const file = writeFigures('scale', figures, targets);
  const text = [
    `bench:scale — ${DEFAULT_REGIONS.length} regions, ${THROTTLE_RATE * 100}% throttling`,
    table(
      [
        'job',
        'accounts',
        'NACLs',
        'completed',
        'calls/acct-region',
        'throttled',
        'longest run',
        'timeout',
        'peak state',
        'max history',
        'wall clock',
      ],
      runs.map((r) => [
        r.job,
        r.accounts,
        r.naclsTouched ?? '',
        r.completed ? 'yes' : 'NO',
        r.apiCallsPerAccountRegion,
        r.throttledCalls,
        `${r.longestInvocationSeconds} s`,
        `${r.timeoutSeconds} s`,
        `${round(r.peakStateBytes / 1024, 1)} / 256 KiB`,
        `${r.largestHistoryEvents} / 25,000`,
        `${r.wallClockSeconds} s`,
      ]),
    ),
    `  growth (calls per unit of work, ${largest} ÷ ${smallest}): ${Object.entries(growth)
      .map(([j, g]) => `${j} ${g}`)
      .join(', ')}`,
    ...closingLines(targets, file),
  ].join('\n');
  return { file, text };
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:scale failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
