import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { callLatencyMs, LATENCY_MODEL } from './lib/latency';
import { PRICES, PRICES_AS_OF } from './lib/prices';
import { finish, round, type Target, table } from './lib/report';

/**
 * `npm run bench:cost`: dollars from the counts the other benchmarks measured — bench:response's
 * per-path counts (transitions, Lambda invocations, API calls by service) and bench:scale's
 * scheduled-job runs — priced with `lib/prices.ts`. Run those two first. Prints $ per 1,000
 * findings for each response path and $ per month of the scheduled jobs at each measured size.
 *
 * Modelled, and stated in the result: each invocation lasts a warm invoke plus its calls' latencies
 * (the latency model), at the functions' configured 256 MB; every DynamoDB call is priced as one
 * write request unit (reads cost less), plus the extra units of the intake's evidence item (the
 * whole finding event, 1 KB per unit) and of a decision record with its index copy; every
 * finished execution is archived (one archiver invocation, one S3 PUT), and an ignored finding
 * has none (its decision record is kept in the findings table); each Lambda invocation logs about LOG_BYTES_PER_INVOCATION. The state
 * machines log at ERROR without execution data, so a successful execution writes no
 * state-machine log; what logging at ALL with execution data would add is priced from the
 * measured history bytes, for comparison.
 */
const RESULTS = join(__dirname, 'results');
const MEMORY_GB = 256 / 1024;
const LOG_BYTES_PER_INVOCATION = 600;
const KB = 1024;
const GB = 1024 ** 3;
/** Runs a month at the default schedules: sweep every 6 hours, free-trial daily, reconciler hourly. */
const RUNS_PER_MONTH: Record<string, number> = { sweep: 120, 'free-trial': 30, reconcile: 720 };
/** How long a decision record is kept: the default `audit.archiveRetentionDays`. */
const RETENTION_DAYS = 2557;
/** DynamoDB's per-item storage overhead (bytes), in the table and again in the index. */
const ITEM_OVERHEAD_BYTES = 100;

interface Counts {
  transitions: number;
  invocations: number;
  callsByService: Record<string, number>;
  executions: number;
  /** Write units beyond one per DynamoDB call (items over 1 KB). */
  extraWriteUnits?: number;
  /** Bytes the state machines log for these executions (0 at ERROR level when all succeed). */
  stateMachineLogBytes?: number;
}

function dollars(c: Counts) {
  const calls = Object.entries(c.callsByService);
  const callMs = calls.reduce((sum, [service, n]) => sum + n * callLatencyMs(service, ''), 0);
  const lambdaSeconds = (c.invocations * LATENCY_MODEL.lambdaWarmInvokeMs + callMs) / 1000;
  const archiverInvocations = c.executions;
  const parts = {
    stepFunctions: c.transitions * PRICES.stepFunctionsTransition.usd,
    lambda:
      (c.invocations + archiverInvocations) * PRICES.lambdaRequest.usd +
      lambdaSeconds * MEMORY_GB * PRICES.lambdaArmGbSecond.usd,
    dynamoDb:
      ((c.callsByService.dynamodb ?? 0) + (c.extraWriteUnits ?? 0)) * PRICES.dynamoDbWriteRequestUnit.usd,
    sns: (c.callsByService.sns ?? 0) * PRICES.snsPublish.usd,
    s3: archiverInvocations * PRICES.s3Put.usd,
    logs:
      (((c.stateMachineLogBytes ?? 0) + (c.invocations + archiverInvocations) * LOG_BYTES_PER_INVOCATION) /
        GB) *
      PRICES.cloudWatchLogsIngestGb.usd,
  };
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  return { total, parts };
}

/**
 * A decision record's write units beyond the one its PutItem is counted as: its size in 1 KB
 * units less one, plus its copy in the findings table's `byDecisionMonth` index (an index write
 * costs the same units as the item written to it).
 */
function decisionRecordUnits(bytes: number | undefined): number {
  if (!bytes) return 0;
  const units = Math.ceil(bytes / KB);
  return units - 1 + units;
}

function read(name: string): any {
  const file = join(RESULTS, `${name}.json`);
  if (!existsSync(file)) throw new Error(`run npm run bench:${name} first: ${file} is missing`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

function main(): void {
  const response = read('response');
  const paths: Record<
    string,
    {
      perThousand: number;
      shares: Record<string, number>;
      perThousandIfLoggingAll: number;
      perThousandIfTracing: number;
    }
  > = {};
  for (const [name, p] of Object.entries(response.paths as Record<string, any>)) {
    const counts: Counts = {
      transitions: p.transitions,
      invocations: p.lambdaInvocationsInAll,
      callsByService: p.apiCallsByService,
      executions: p.transitions > 0 ? 1 : 0,
      extraWriteUnits:
        Math.max(0, Math.ceil((p.findingEventBytes ?? 0) / KB) - 1) +
        decisionRecordUnits(p.decisionRecordBytes),
    };
    const d = dollars(counts);
    paths[name] = {
      perThousand: round(d.total * 1000, 4),
      shares: Object.fromEntries(Object.entries(d.parts).map(([k, v]) => [k, round(v / d.total, 3)])),
      perThousandIfLoggingAll: round(
        dollars({ ...counts, stateMachineLogBytes: p.historyBytes ?? 0 }).total * 1000,
        4,
      ),
      // With observability.tracing on, every execution sampled records one trace (the upper bound).
      perThousandIfTracing: round((d.total + counts.executions * PRICES.xrayTraceRecorded.usd) * 1000, 4),
    };
  }
  const scale = existsSync(join(RESULTS, 'scale.json')) ? read('scale') : undefined;
  const monthly: Record<string, Record<string, number>> = {};
  for (const run of (scale?.runs ?? []) as any[]) {
    const d = dollars({
      transitions: run.stateTransitions,
      invocations: run.invocations,
      // Per-service counts are not kept per run: the calls are priced as their mix (GuardDuty,
      // EC2, STS, Organizations calls cost nothing; DynamoDB ones are counted in the reconciler).
      callsByService: { guardduty: run.apiCalls },
      executions: run.executions,
    });
    monthly[String(run.accounts)] ??= {};
    monthly[String(run.accounts)]![run.job] = round(d.total * (RUNS_PER_MONTH[run.job] ?? 0), 2);
  }
  for (const m of Object.values(monthly))
    m.total = round(
      Object.values(m).reduce((a, b) => a + b, 0),
      2,
    );

  // Not a per-finding charge but the price of keeping the record: 1,000 decision records, in
  // the table and in its index, for the whole retention.
  const recordBytes = (response.paths?.ignored?.decisionRecordBytes ?? 0) as number;
  const retentionMonths = RETENTION_DAYS / (365.25 / 12);
  const decisionStoragePerThousand = round(
    ((2 * (recordBytes + ITEM_OVERHEAD_BYTES) * 1000) / GB) *
      PRICES.dynamoDbStorageGbMonth.usd *
      retentionMonths,
    4,
  );

  const autoBlock = paths.autoBlock?.perThousand ?? Number.NaN;
  const ignored = paths.ignored?.perThousand ?? Number.NaN;
  const targets: Target[] = [
    {
      key: 'autoBlockPerThousand',
      label: '$ per 1,000 auto-block findings (with expiry)',
      value: autoBlock,
      op: '<=',
      limit: 0.2,
      whyMissed: `Step Functions transitions are ${round((paths.autoBlock?.shares.stepFunctions ?? 0) * 100, 1)}% of it (${response.paths?.autoBlock?.transitions} transitions)`,
    },
    {
      key: 'ignoredPerThousand',
      label: '$ per 1,000 ignored findings',
      value: ignored,
      op: '<=',
      limit: 0.03,
      whyMissed: `DynamoDB is ${round((paths.ignored?.shares.dynamoDb ?? 0) * 100, 1)}% of it (${response.paths?.ignored?.apiCallsByService?.dynamodb} calls) and Lambda ${round((paths.ignored?.shares.lambda ?? 0) * 100, 1)}%`,
    },
  ];
  const figures = {
    autoBlockPerThousand: autoBlock,
    ignoredPerThousand: ignored,
    perThousandFindings: paths,
    decisionRecordStorage: {
      perThousandOverRetention: decisionStoragePerThousand,
      retentionDays: RETENTION_DAYS,
      recordBytes,
      note: 'storing 1,000 ignored findings’ decision records in the findings table and its byDecisionMonth index for the default audit.archiveRetentionDays; not in the per-1,000 figures (archive storage is not priced for executions either)',
    },
    scheduledJobsPerMonth: monthly,
    runsPerMonth: RUNS_PER_MONTH,
    prices: PRICES,
    pricesAsOf: PRICES_AS_OF,
    model: {
      memoryGb: MEMORY_GB,
      stateMachineLogging:
        'ERROR, without execution data (perThousandIfLoggingAll: ALL with execution data, priced from the measured history bytes)',
      logBytesPerInvocation: LOG_BYTES_PER_INVOCATION,
      note: 'invocation duration = warm invoke + calls × latency model; DynamoDB calls priced as one WRU each, plus the evidence item’s extra 1 KB units and a decision record’s extra units and index copy; one archiver invocation and one S3 PUT per execution (an ignored finding starts none); no free tier. X-Ray traces are priced only in perThousandIfTracing (observability.tracing is off by default; one trace per execution at most). Not priced: archive storage, data transfer.',
    },
    from: ['bench/results/response.json', ...(scale ? ['bench/results/scale.json'] : [])],
  };
  finish('cost', figures, targets, [
    `bench:cost — prices as of ${PRICES_AS_OF} (lib/prices.ts; unverified ones are marked there)`,
    table(
      [
        'path',
        '$ / 1,000 findings',
        'if logging ALL',
        'if tracing',
        'Step Functions',
        'Lambda',
        'DynamoDB',
        'SNS',
        'S3',
        'logs',
      ],
      Object.entries(paths).map(([name, p]) => [
        name,
        p.perThousand,
        p.perThousandIfLoggingAll,
        p.perThousandIfTracing,
        ...['stepFunctions', 'lambda', 'dynamoDb', 'sns', 's3', 'logs'].map(
          (k) => `${round((p.shares[k] ?? 0) * 100, 1)}%`,
        ),
      ]),
    ),
    `  keeping 1,000 decision records (${recordBytes} B each, with the index copy) for ${RETENTION_DAYS} days: $${decisionStoragePerThousand}`,
    '',
    table(
      ['accounts', 'sweep $/month', 'free-trial $/month', 'reconcile $/month', 'total'],
      Object.entries(monthly).map(([n, m]) => [
        n,
        m.sweep ?? 0,
        m['free-trial'] ?? 0,
        m.reconcile ?? 0,
        m.total ?? 0,
      ]),
    ),
  ]);
}

main();
