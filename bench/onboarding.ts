import { ManualClock } from '../runtime/clock';
import { startLocalWarden } from '../runtime/local-warden';
import { backfill } from '../runtime/onboarding-runner';
import { DEFAULT_REGIONS } from '../runtime/sandbox/account';
import { THROTTLING_CODES } from '../runtime/sandbox/aws-error';
import { demoMembers } from '../runtime/sandbox/demo-organization';
import { CallAttribution, type Invocation } from './lib/instrument';
import { applyLatencyModel, callLatencyMs, describeLatencyModel, LATENCY_MODEL } from './lib/latency';
import { BENCH_SECURITY, benchConfig } from './lib/organization';
import { finish, log, round, type Target, table } from './lib/report';

/**
 * `npm run bench:onboarding`: a backfill of 100 and of 1,000 accounts into GuardDuty in the 17
 * regions every account has, in invitation mode, with 20% of GuardDuty and Organizations calls
 * throttled, on the local runtime with the sandbox. Prints a table and writes
 * bench/results/onboarding.json. See bench/README.md for the simulated-time model.
 *
 * Environment: BENCH_ACCOUNTS (comma-separated sizes, default "100,1000").
 */

const SECURITY = BENCH_SECURITY;
const THROTTLE_RATE = 0.2;
/** Accounts at once in the per-account Maps of the onboarding definition (ACCOUNT_CONCURRENCY there). */
const ACCOUNT_CONCURRENCY = 10;
/** Step Functions' limit on the events in one execution's history. */
const HISTORY_EVENT_LIMIT = 25_000;
/** Per-item Maps outside the region branch. */
const PER_ACCOUNT_STATES = new Set(['Describe the account', "Publish the account's onboarding result"]);

interface RunFigures {
  accounts: number;
  regions: number;
  accountRegions: number;
  executions: number;
  failedExecutions: number;
  stateTransitions: number;
  transitionsPerAccount: number;
  transitionsPerAccountRegion: number;
  taskInvocations: number;
  stateMachineRetries: number;
  maxHistoryEventsPerExecution: number;
  apiCalls: number;
  apiCallsPerAccountRegion: number;
  apiCallsPerAccountRegionExcludingThrottled: number;
  mutatingPerAccountRegion: number;
  readPerAccountRegion: number;
  throttledCalls: number;
  callsPerAccountRegionByOperation: Record<string, number>;
  enabledAccountRegions: number;
  enabledFraction: number;
  outcomes: Record<string, number>;
  simulatedSeconds: number;
  simulatedSecondsIfBatchesRanOneAfterAnother: number;
  simulatedSlowestRegionBranchSeconds: number;
  sumOfAllCallLatenciesSeconds: number;
  wallClockSeconds: number;
  cpuSeconds: number;
}

async function run(accountCount: number): Promise<RunFigures> {
  const config = benchConfig();
  const regions = config.organization.regions;
  const members = demoMembers(accountCount);
  const warden = await startLocalWarden({
    config,
    members,
    clock: new ManualClock(),
    retryIntervalMs: 0,
    workflows: ['onboarding'],
  });
  try {
    const attribution = new CallAttribution(warden);
    const cloud = warden.world.cloud;
    cloud.faults.throttle({ service: 'guardduty', rate: THROTTLE_RATE });
    cloud.faults.throttle({ service: 'organizations', rate: THROTTLE_RATE });
    applyLatencyModel(cloud);
    const accounts = members.map((m) => m.id);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let reported = 0;
    const result = await backfill(warden, {
      accounts,
      onProgress: (done, total) => {
        if (done - reported >= total / 10 || done === total) {
          reported = done;
          log(`  ${done}/${total} accounts onboarded`);
        }
      },
    });
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);

    const accountRegions = accountCount * regions.length;
    const calls = cloud.calls;
    const throttled = calls.filter((c) => c.error && THROTTLING_CODES.has(c.error)).length;
    const gd = warden.world.services.guardduty;
    let enabled = 0;
    for (const account of accounts) {
      for (const region of regions) if (gd.relationship(SECURITY, account, region) === 'Enabled') enabled++;
    }
    const outcomes: Record<string, number> = {};
    for (const summary of result.summaries) {
      for (const r of summary.regions as { outcome: string }[])
        outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    }
    let historyMax = 0;
    let scheduled = 0;
    let taskEntered = 0;
    for (const execution of result.executions) {
      const history = warden.runtime.store.history(execution.executionArn);
      historyMax = Math.max(historyMax, history.length);
      for (const e of history) {
        if (e.type === 'LambdaFunctionScheduled') scheduled++;
        else if (e.type === 'TaskStateEntered') taskEntered++;
      }
    }
    const byOperation: Record<string, number> = {};
    for (const c of calls)
      byOperation[`${c.service}:${c.operation}`] = (byOperation[`${c.service}:${c.operation}`] ?? 0) + 1;
    const simulated = simulate(
      attribution,
      result.executions.map((e) => e.executionArn),
      config.onboarding.maxConcurrency,
    );
    const mutating = calls.filter((c) => c.mutating).length;
    return {
      accounts: accountCount,
      regions: regions.length,
      accountRegions,
      executions: result.executions.length,
      failedExecutions: result.failedExecutions.length,
      stateTransitions: warden.runtime.stateTransitions,
      transitionsPerAccount: round(warden.runtime.stateTransitions / accountCount, 1),
      transitionsPerAccountRegion: round(warden.runtime.stateTransitions / accountRegions, 2),
      taskInvocations: scheduled,
      stateMachineRetries: scheduled - taskEntered,
      maxHistoryEventsPerExecution: historyMax,
      apiCalls: calls.length,
      apiCallsPerAccountRegion: round(calls.length / accountRegions, 2),
      apiCallsPerAccountRegionExcludingThrottled: round((calls.length - throttled) / accountRegions, 2),
      mutatingPerAccountRegion: round(mutating / accountRegions, 2),
      readPerAccountRegion: round((calls.length - mutating) / accountRegions, 2),
      throttledCalls: throttled,
      callsPerAccountRegionByOperation: Object.fromEntries(
        Object.entries(byOperation)
          .sort(([, x], [, y]) => y - x)
          .map(([k, n]) => [k, round(n / accountRegions, 3)]),
      ),
      enabledAccountRegions: enabled,
      enabledFraction: round(enabled / accountRegions, 4),
      outcomes,
      simulatedSeconds: round(simulated.concurrentMs / 1000, 1),
      simulatedSecondsIfBatchesRanOneAfterAnother: round(simulated.serialMs / 1000, 1),
      simulatedSlowestRegionBranchSeconds: round(simulated.slowestRegionMs / 1000, 1),
      sumOfAllCallLatenciesSeconds: round(cloud.simulatedMs / 1000, 1),
      wallClockSeconds: round(wallMs / 1000, 1),
      cpuSeconds: round((cpu.user + cpu.system) / 1e6, 1),
    };
  } finally {
    await warden.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Simulated time: the critical path through each execution, with the latency model

/**
 * An execution's simulated duration, built from what it actually did (every task attempt, its
 * calls, its retries and waits), arranged as the definition runs them:
 *   read request → Describe each account (10 at once) → plan → Onboard each region (maxConcurrency
 *   regions at once, in order) → summarise → publish per account (10 at once).
 * A region branch is its steps one after another; a per-account step inside it takes as long as
 * its items scheduled 10 at once. A task attempt costs a warm invocation plus its calls one after
 * another; a failed attempt is followed by the Retry rule's expected backoff (full jitter: half
 * of min(30 s, 1 s × 2^(n-1))); a Wait costs its seconds; each step costs one state transition.
 * Each distinct function's first use on the path is a cold start. Batches start together, so the
 * backfill takes as long as its slowest execution.
 */
function simulate(attribution: CallAttribution, executionArns: string[], regionConcurrency: number) {
  const costOf = new Map<Invocation, number>();
  for (const call of attribution.callsSince(0)) {
    if (!call.invocation) continue;
    costOf.set(
      call.invocation,
      (costOf.get(call.invocation) ?? 0) + callLatencyMs(call.service, call.operation),
    );
  }
  const wanted = new Set(executionArns);
  const byExecution = new Map<string, Invocation[]>();
  for (const inv of attribution.invocations) {
    if (!wanted.has(inv.owner)) continue;
    const list = byExecution.get(inv.owner) ?? [];
    list.push(inv);
    byExecution.set(inv.owner, list);
  }
  let concurrentMs = 0;
  let serialMs = 0;
  let slowestRegionMs = 0;
  for (const invocations of byExecution.values()) {
    const topLevel: Invocation[] = [];
    const byRegion = new Map<string, Invocation[]>();
    for (const inv of invocations) {
      const region = regionOf(inv);
      if (!region) {
        topLevel.push(inv);
        continue;
      }
      const list = byRegion.get(region) ?? [];
      list.push(inv);
      byRegion.set(region, list);
    }
    const regionMs = [...byRegion.values()].map((list) => pathMs(list, costOf));
    slowestRegionMs = Math.max(slowestRegionMs, ...regionMs);
    const coldStarts = new Set(invocations.filter((i) => !isWait(i)).map((i) => i.stateName)).size;
    const total =
      pathMs(topLevel, costOf) +
      makespan(regionMs, regionConcurrency) +
      coldStarts * LATENCY_MODEL.lambdaColdStartMs;
    concurrentMs = Math.max(concurrentMs, total);
    serialMs += total;
  }
  return { concurrentMs, serialMs, slowestRegionMs };
}

/** Steps in the order they first ran; per-account steps as Maps of 10 at once. */
function pathMs(invocations: Invocation[], costOf: Map<Invocation, number>): number {
  const steps = new Map<string, Invocation[]>();
  for (const inv of invocations) {
    const list = steps.get(inv.stateName ?? '') ?? [];
    list.push(inv);
    steps.set(inv.stateName ?? '', list);
  }
  let total = 0;
  for (const [stateName, list] of steps) {
    const perItem = list.some((i) => itemOf(i) !== undefined) || PER_ACCOUNT_STATES.has(stateName);
    if (!perItem) {
      total +=
        attemptsMs(list, costOf) + LATENCY_MODEL.stateTransitionMs * list.filter((i) => !i.failed).length;
      continue;
    }
    const items = new Map<string, Invocation[]>();
    for (const inv of list) {
      const key = itemOf(inv) ?? JSON.stringify(inv.input);
      items.set(key, [...(items.get(key) ?? []), inv]);
    }
    const durations = [...items.values()].map((attempts) => attemptsMs(attempts, costOf));
    total +=
      makespan(durations, ACCOUNT_CONCURRENCY) +
      LATENCY_MODEL.stateTransitionMs * (1 + Math.ceil(items.size / ACCOUNT_CONCURRENCY));
  }
  return total;
}

/** One step's attempts one after another, with the expected backoff after each failed one. */
function attemptsMs(attempts: Invocation[], costOf: Map<Invocation, number>): number {
  let total = 0;
  let failures = 0;
  for (const inv of attempts) {
    if (isWait(inv)) {
      total += Number((inv.input as { seconds?: number }).seconds ?? 0) * 1000;
      continue;
    }
    total += LATENCY_MODEL.lambdaWarmInvokeMs + (costOf.get(inv) ?? 0);
    if (inv.failed) {
      failures++;
      total += 0.5 * Math.min(30_000, 1000 * 2 ** (failures - 1));
    } else failures = 0;
  }
  return total;
}

/** Items started in order whenever one of `slots` is free; the time the last one ends. */
function makespan(durations: number[], slots: number): number {
  const free = Array.from({ length: Math.max(1, slots) }, () => 0);
  for (const d of durations) {
    const i = free.indexOf(Math.min(...free));
    free[i]! += d;
  }
  return Math.max(0, ...free);
}

function isWait(inv: Invocation): boolean {
  const input = inv.input as { seconds?: unknown; input?: unknown } | null;
  return (
    !!input && typeof input === 'object' && 'input' in input && ('seconds' in input || 'timestamp' in input)
  );
}

function regionOf(inv: Invocation): string | undefined {
  const input = inv.input as { region?: unknown; input?: { region?: unknown } } | null;
  const region = isWait(inv) ? input?.input?.region : input?.region;
  return typeof region === 'string' ? region : undefined;
}

function itemOf(inv: Invocation): string | undefined {
  const input = inv.input as {
    item?: { accountId?: string };
    accountId?: string;
    summary?: { accountId?: string };
  } | null;
  if (input?.item) return input.item.accountId ?? JSON.stringify(input.item);
  if (PER_ACCOUNT_STATES.has(inv.stateName ?? '')) return input?.accountId ?? input?.summary?.accountId;
  return undefined;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_ACCOUNTS ?? '100,1000').split(',').map(Number);
  const runs: RunFigures[] = [];
  for (const size of sizes) {
    log(
      `onboarding ${size} accounts × ${DEFAULT_REGIONS.length} regions, ${THROTTLE_RATE * 100}% throttling…`,
    );
    runs.push(await run(size));
  }
  const largest = runs[runs.length - 1]!;
  const smallest = runs[0]!;
  const ratio = round(largest.simulatedSeconds / smallest.simulatedSeconds, 2);
  const targets: Target[] = [
    {
      key: 'apiCallsPerAccountRegion',
      label: `API calls per account-region (${largest.accounts} accounts)`,
      value: largest.apiCallsPerAccountRegion,
      op: '<=',
      limit: 6,
      whyMissed: `every attempt counts, throttled ones included (${largest.throttledCalls} throttled calls; ${largest.apiCallsPerAccountRegionExcludingThrottled} per account-region without them); the calls by operation are in the JSON`,
    },
    {
      key: 'enabledFraction',
      label: 'account-regions Enabled',
      value: largest.enabledFraction,
      op: '>=',
      limit: 1,
      whyMissed: `outcomes: ${JSON.stringify(largest.outcomes)}`,
    },
    {
      key: 'scalingRatio1000vs100',
      label: `simulated time ${largest.accounts} ÷ ${smallest.accounts} accounts`,
      value: ratio,
      op: '<=',
      limit: 11,
    },
  ];
  const figures = {
    apiCallsPerAccountRegion: largest.apiCallsPerAccountRegion,
    transitionsPerAccount: largest.transitionsPerAccount,
    enabledFraction: Math.min(...runs.map((r) => r.enabledFraction)),
    scalingRatio1000vs100: ratio,
    runs,
    throttling: `${THROTTLE_RATE * 100}% of GuardDuty and Organizations calls answered with TooManyRequestsException (seeded)`,
    mode: 'invitation (create, invite, accept in the member account, verify, apply features)',
    simulatedTimeModel:
      'per execution: the critical path through the definition built from the attempts it really made (calls × latency model, warm invoke per attempt, expected full-jitter backoff after each failed attempt, Wait seconds, one transition per step, one cold start per distinct function); regions scheduled maxConcurrency at once in order, per-account steps 10 at once; batches of 50 accounts start together, so the backfill lasts as long as its slowest execution. simulatedSecondsIfBatchesRanOneAfterAnother is the sum over executions instead. Not modelled: account-level GuardDuty API rate limits beyond the injected throttling, and the Lambda concurrency limit (20 executions × 4 regions × 10 accounts = 800 ≤ the default 1,000).',
    latencyModel: describeLatencyModel(),
    notes: [
      'Counts are measured on the local runtime with the sandbox cloud; API calls include throttled attempts (each is a request AWS receives), and the state machine retries them (SDK attempts are 1).',
      'The account list is passed to the backfill, so its paginated ListAccounts is not counted.',
      `maxHistoryEventsPerExecution is to be read against Step Functions’ limit of ${HISTORY_EVENT_LIMIT.toLocaleString('en-US')} events per execution.`,
    ],
  };
  finish('onboarding', figures, targets, [
    `bench:onboarding — backfill in invitation mode, ${DEFAULT_REGIONS.length} regions, ${THROTTLE_RATE * 100}% throttling on GuardDuty and Organizations`,
    table(
      [
        'accounts',
        'executions',
        'transitions/account',
        'API calls/acct-region',
        'excl. throttled',
        'mutating',
        'read',
        'throttled',
        'retries',
        'max history events',
        'enabled',
        'simulated',
        'wall clock',
      ],
      runs.map((r) => [
        r.accounts,
        r.executions,
        r.transitionsPerAccount,
        r.apiCallsPerAccountRegion,
        r.apiCallsPerAccountRegionExcludingThrottled,
        r.mutatingPerAccountRegion,
        r.readPerAccountRegion,
        r.throttledCalls,
        r.stateMachineRetries,
        r.maxHistoryEventsPerExecution,
        `${round(r.enabledFraction * 100, 2)}%`,
        `${r.simulatedSeconds} s`,
        `${r.wallClockSeconds} s`,
      ]),
    ),
    `  calls per account-region at ${largest.accounts} accounts: ${Object.entries(
      largest.callsPerAccountRegionByOperation,
    )
      .map(([op, n]) => `${op} ${n}`)
      .join(', ')}`,
    `  simulated: batches start together (slowest execution); one after another it would take ${largest.simulatedSecondsIfBatchesRanOneAfterAnother} s at ${largest.accounts} accounts`,
    ...(largest.maxHistoryEventsPerExecution > HISTORY_EVENT_LIMIT
      ? [
          `  WARNING: an execution recorded ${largest.maxHistoryEventsPerExecution} history events; Step Functions stops an execution at ${HISTORY_EVENT_LIMIT.toLocaleString('en-US')}`,
        ]
      : []),
  ]);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:onboarding failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
