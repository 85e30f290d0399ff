import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import type { Command } from 'commander';
import { type FindingFilters, readFindingsInRegions } from '../../audit/findings/read-findings';
import { readWardenState } from '../../audit/findings/warden-state';
import { ACCOUNT_ID, REGION } from '../../config/aws-names';
import { SEVERITY_BANDS, type WardenConfig } from '../../config/schema';
import type { FindingsAnswer, FindingsQuery } from '../../runtime/findings-api';
import type { SeverityBand } from '../../tasks/response/policy';
import { CliError, UsageError } from '../cli-error';
import { FindingsView, type FindingsViewResult, type WardenState } from '../findings/view';
import { checkProfile } from '../target/aws-profile';
import { type RunningTarget, resolveTarget, tableName } from '../target/warden-target';
import { oneLine } from '../triage/report';
import { DEFAULT_CONFIG, readTriageConfigOption, table } from './local-options';

/**
 * `warden findings`: the organisation's GuardDuty findings in one view, read from the
 * administrator (the security account) in each region: counts by severity, type, account and
 * region, and the top attacker addresses with what Warden did about each.
 *
 * With `--region` or `--profile` it reads AWS: GuardDuty in those regions (else the config's),
 * and Warden's ledger and approvals from the tables the security stack's outputs name (in the
 * config's home region). Otherwise it reads the running Warden at `--endpoint`, or the local
 * runtime of `<data dir>/runtime.json`: its sandbox organisation's findings and its own tables.
 */
export interface FindingsOptions {
  config: string;
  region?: string[];
  profile?: string;
  ledgerTable?: string;
  approvalsTable?: string;
  endpoint?: string;
  dataDir?: string;
  since?: string;
  severity?: string;
  account?: string[];
  type?: string[];
  archived?: boolean;
  top: string;
  json?: boolean;
}

export function parseFilters(options: FindingsOptions, now: Date = new Date()): FindingFilters {
  const filters: FindingFilters = { includeArchived: options.archived === true };
  if (options.since !== undefined) filters.since = parseSince(options.since, now);
  if (options.severity !== undefined) {
    const band = options.severity.toUpperCase();
    if (!(SEVERITY_BANDS as readonly string[]).includes(band)) {
      throw new UsageError(`--severity must be one of ${SEVERITY_BANDS.join(', ')}, got ${options.severity}`);
    }
    filters.minSeverity = band as SeverityBand;
  }
  if (options.account?.length) {
    const accounts = options.account.flatMap((a) => a.split(',')).map((a) => a.trim());
    const bad = accounts.find((a) => !ACCOUNT_ID.test(a));
    if (bad !== undefined) throw new UsageError(`--account must be a 12-digit account id, got ${bad}`);
    filters.accounts = accounts;
  }
  if (options.type?.length) {
    const types = options.type.flatMap((t) => t.split(',')).map((t) => t.trim());
    const bad = types.find((t) => !/^[A-Za-z0-9*]+:[A-Za-z0-9*]+\/[A-Za-z0-9.!&_*-]+$|^\*$/.test(t));
    if (bad !== undefined) {
      throw new UsageError(`--type must be a finding type or glob such as Recon:EC2/* , got ${bad}`);
    }
    filters.types = types;
  }
  return filters;
}

/** `7d`, `12h`, `30m`, or an ISO 8601 time. */
export function parseSince(text: string, now: Date): Date {
  const relative = /^(\d{1,5})([mhd])$/.exec(text);
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(relative[1]) * unit);
  }
  const at = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) {
    throw new UsageError(`--since must be a duration such as 7d, 12h or 30m, or an ISO time, got ${text}`);
  }
  return new Date(at);
}

export function parseTop(text: string): number {
  const top = Number(text);
  if (!/^\d+$/.test(text) || top < 1 || top > 1000) {
    throw new UsageError(`--top must be a whole number from 1 to 1000, got ${text}`);
  }
  return top;
}

export async function runFindings(
  options: FindingsOptions,
  out: { write(text: string): void } = process.stdout,
): Promise<FindingsViewResult> {
  const config = readTriageConfigOption(options.config);
  const filters = parseFilters(options);
  const top = parseTop(options.top);
  const regions = (options.region ?? []).flatMap((r) => r.split(',')).map((r) => r.trim());
  const bad = regions.find((r) => !REGION.test(r));
  if (bad !== undefined) throw new UsageError(`--region must be an AWS region such as eu-west-1, got ${bad}`);
  const aws = regions.length > 0 || options.profile !== undefined;
  if (options.profile !== undefined) checkProfile(options.profile);
  if (aws && options.endpoint !== undefined) {
    throw new UsageError(
      '--endpoint names a running Warden, --region/--profile name Warden in AWS: give one or the other',
    );
  }
  if (!aws && (options.ledgerTable || options.approvalsTable)) {
    throw new UsageError('--ledger-table and --approvals-table read AWS: give --region or --profile as well');
  }
  const view = new FindingsView(
    config,
    (filters.types ?? []).filter((t) => t.includes('*')),
  );
  const result = aws
    ? await fromAws(
        config,
        options,
        regions.length ? regions : config.organization.regions,
        filters,
        view,
        top,
      )
    : await fromRunning(
        (await resolveTarget({ endpoint: options.endpoint, dataDir: options.dataDir })) as RunningTarget,
        regions,
        filters,
        view,
        top,
      );
  out.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : findingsText(result));
  return result;
}

/** A running Warden's findings and state (`POST /api/findings`), through the same view as AWS. */
async function fromRunning(
  target: RunningTarget,
  regions: string[],
  filters: FindingFilters,
  view: FindingsView,
  top: number,
): Promise<FindingsViewResult> {
  const query: FindingsQuery = {
    ...(filters.since ? { since: filters.since.toISOString() } : {}),
    ...(filters.minSeverity ? { minSeverity: filters.minSeverity } : {}),
    ...(filters.accounts ? { accounts: filters.accounts } : {}),
    ...(filters.types ? { types: filters.types } : {}),
    includeArchived: filters.includeArchived === true,
    ...(regions.length ? { regions } : {}),
  };
  const response = await fetch(`${target.endpoint}/api/findings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(query),
  }).catch((error: Error) => {
    throw new CliError(
      `nothing answers at ${target.endpoint} (${error.message}); is \`npm start\` still running?`,
    );
  });
  const body = (await response.json().catch(() => ({}))) as FindingsAnswer & { message?: string };
  if (response.status !== 200 || !Array.isArray(body.findings)) {
    throw new CliError(
      `${target.description} did not give its findings (HTTP ${response.status}${body.message ? `: ${body.message}` : ''})`,
    );
  }
  for (const finding of body.findings) view.add(finding);
  return view.result(
    body.state,
    {
      description: `${target.description} (administrator ${body.administrator})`,
      regions: body.regions,
      listCalls: body.listCalls,
      getCalls: body.getCalls,
    },
    top,
  );
}

async function fromAws(
  config: WardenConfig,
  options: FindingsOptions,
  regions: string[],
  filters: FindingFilters,
  view: FindingsView,
  top: number,
): Promise<FindingsViewResult> {
  // Warden's tables: as given, else those the security stack's outputs name.
  let tables: { ledger: string; approvals?: string } | undefined;
  if (options.ledgerTable) {
    tables = { ledger: options.ledgerTable, approvals: options.approvalsTable };
  } else {
    const target = await resolveTarget({
      region: config.organization.homeRegion,
      ...(options.profile ? { profile: options.profile } : {}),
    });
    if (target.kind === 'aws') {
      tables = {
        ledger: tableName(target, 'ledger'),
        approvals: options.approvalsTable ?? tableName(target, 'approvals'),
      };
    }
  }
  const { listCalls, getCalls } = await readFindingsInRegions(
    regions,
    (region) => new GuardDutyClient({ region, ...(options.profile ? { profile: options.profile } : {}) }),
    filters,
    (page) => {
      for (const f of page) view.add(f);
    },
    {
      release: (client) => client.destroy(),
      onError: (region, error) => {
        throw new CliError(`reading GuardDuty findings in ${region}: ${awsMessage(error)}`);
      },
    },
  );
  let state: WardenState | null = null;
  if (tables) {
    const client = new DynamoDBClient({
      region: config.organization.homeRegion,
      ...(options.profile ? { profile: options.profile } : {}),
    });
    try {
      state = await readWardenState(client, tables);
    } catch (error) {
      throw new CliError(`reading Warden's ledger ${tables.ledger}: ${awsMessage(error)}`);
    } finally {
      client.destroy();
    }
  }
  return view.result(
    state,
    {
      description: `the AWS GuardDuty administrator${options.profile ? ` (profile ${options.profile})` : ''}`,
      regions,
      listCalls,
      getCalls,
    },
    top,
  );
}

function awsMessage(error: unknown): string {
  const e = error as Error;
  const name = e?.name && e.name !== 'Error' ? `${e.name}: ` : '';
  return `${name}${oneLine(e?.message ?? String(error))}`;
}

export function findingsText(result: FindingsViewResult): string {
  const counts = (title: string, map: Record<string, number>) =>
    `${title}\n${table(
      ['', 'findings'],
      Object.entries(map).map(([k, n]) => [k, String(n)]),
    )
      .split('\n')
      .slice(2)
      .map((l) => `  ${l}`)
      .join('\n')}`;
  const lines = [
    `${result.total} finding(s) from ${result.source.description}, regions ${result.source.regions.join(', ')}`,
    '',
    counts('By severity', result.bySeverity),
    '',
    counts('By type', result.byType),
    '',
    counts('By account', result.byAccount),
    '',
    counts('By region', result.byRegion),
    '',
    'Top attacker addresses',
    table(
      ['address', 'findings', 'accounts', 'warden', 'detail'],
      result.topAttackers.map((a) => [
        a.cidr,
        String(a.findings),
        String(a.accounts.length),
        a.warden,
        a.detail,
      ]),
    ),
  ];
  if (result.unreadable.count) {
    lines.push(
      '',
      `Findings Warden cannot read: ${result.unreadable.count}`,
      ...result.unreadable.first.map((u) => `  ${u}`),
    );
  }
  return `${lines.join('\n')}\n`;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerFindings(program: Command): void {
  program
    .command('findings')
    .description(
      "The organisation's GuardDuty findings in one view, with what Warden did about each attacker",
    )
    .option('--config <path>', 'Warden config file', DEFAULT_CONFIG)
    .option('--region <region>', 'read AWS in this region (repeat or comma-separate)', collect)
    .option('--profile <profile>', 'read AWS with this profile from the shared config files')
    .option(
      '--ledger-table <name>',
      "Warden's ledger table in AWS (default: the one the stack's outputs name)",
    )
    .option('--approvals-table <name>', "Warden's approvals table in AWS (default: the stack's)")
    .option('--endpoint <url>', 'a running Warden (default: the local runtime in <data dir>/runtime.json)')
    .option('--data-dir <dir>', 'the local runtime’s data folder (as given to npm start)', '.warden')
    .option('--since <when>', 'only findings updated since: 7d, 12h, 30m or an ISO time')
    .option('--severity <band>', 'only findings of this band or above: LOW, MEDIUM, HIGH, CRITICAL')
    .option('--account <id>', 'only findings of this account (repeat or comma-separate)', collect)
    .option(
      '--type <type>',
      'only findings of this type or glob, e.g. Recon:EC2/* (repeat or comma-separate)',
      collect,
    )
    .option('--archived', 'include archived findings')
    .option('--top <n>', 'how many attacker addresses to show', '10')
    .option('--json', 'print JSON instead of tables')
    .action(async (options: FindingsOptions) => {
      await runFindings(options);
    });
}
