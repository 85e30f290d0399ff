import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import type { Command } from 'commander';
import { ACCOUNT_ID, REGION } from '../../config/aws-names';
import { SEVERITY_BANDS, type WardenConfig } from '../../config/schema';
import type { SeverityBand } from '../../tasks/response/policy';
import { CliError, UsageError } from '../cli-error';
import { startFindingsDemo } from '../findings/demo';
import { type FindingFilters, readOrganizationFindings } from '../findings/fetch';
import { FindingsView, type FindingsViewResult, type WardenState } from '../findings/view';
import { readWardenState } from '../findings/warden-state';
import { checkProfile } from '../target/aws-profile';
import { checkTriageConfig, oneLine } from '../triage/report';
import { DEFAULT_CONFIG, readConfigOption, table } from './local-options';

/**
 * `warden findings`: the organisation's GuardDuty findings in one view, read from the
 * administrator (the security account) in each region: counts by severity, type, account and
 * region, and the top attacker addresses with what Warden did about each.
 *
 * By default it reads the local sandbox organisation (a demo with known findings); with
 * `--region` or `--profile` it reads AWS, and Warden's ledger too when `--ledger-table` is given.
 */
export interface FindingsOptions {
  config: string;
  region?: string[];
  profile?: string;
  ledgerTable?: string;
  approvalsTable?: string;
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
  progress: { write(text: string): void } = process.stderr,
): Promise<FindingsViewResult> {
  const config = readConfigOption(options.config);
  try {
    checkTriageConfig(config);
  } catch (error) {
    throw new CliError(`${options.config}: response.${oneLine(error)}`);
  }
  const filters = parseFilters(options);
  const top = parseTop(options.top);
  const regions = (options.region ?? []).flatMap((r) => r.split(',')).map((r) => r.trim());
  const bad = regions.find((r) => !REGION.test(r));
  if (bad !== undefined) throw new UsageError(`--region must be an AWS region such as eu-west-1, got ${bad}`);
  const aws = regions.length > 0 || options.profile !== undefined;
  if (options.profile !== undefined) checkProfile(options.profile);
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
    : await fromSandbox(config, filters, view, top, progress);
  out.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : findingsText(result));
  return result;
}

async function fromSandbox(
  config: WardenConfig,
  filters: FindingFilters,
  view: FindingsView,
  top: number,
  progress: { write(text: string): void },
): Promise<FindingsViewResult> {
  progress.write('reading the local sandbox organisation (give --region or --profile to read AWS)…\n');
  const demo = await startFindingsDemo(config);
  try {
    const { securityAccountId } = config.organization;
    let listCalls = 0;
    let getCalls = 0;
    for (const region of demo.regions) {
      const client = demo.warden.deps.clients.client(GuardDutyClient, { account: securityAccountId, region });
      const calls = await readOrganizationFindings(client, filters, (page) => {
        for (const f of page) view.add(f);
      });
      listCalls += calls.listCalls;
      getCalls += calls.getCalls;
    }
    const dynamo = demo.warden.deps.clients.client(DynamoDBClient, {
      account: securityAccountId,
      region: config.organization.homeRegion,
    });
    const state = await readWardenState(dynamo, demo.warden.deps.tables);
    return view.result(
      state,
      {
        description: `local sandbox organisation (${demo.members.length} member accounts, administrator ${securityAccountId})`,
        regions: demo.regions,
        listCalls,
        getCalls,
      },
      top,
    );
  } finally {
    await demo.stop();
  }
}

async function fromAws(
  config: WardenConfig,
  options: FindingsOptions,
  regions: string[],
  filters: FindingFilters,
  view: FindingsView,
  top: number,
): Promise<FindingsViewResult> {
  let listCalls = 0;
  let getCalls = 0;
  for (const region of regions) {
    const client = new GuardDutyClient({ region, ...(options.profile ? { profile: options.profile } : {}) });
    try {
      const calls = await readOrganizationFindings(client, filters, (page) => {
        for (const f of page) view.add(f);
      });
      listCalls += calls.listCalls;
      getCalls += calls.getCalls;
    } catch (error) {
      throw new CliError(`reading GuardDuty findings in ${region}: ${awsMessage(error)}`);
    } finally {
      client.destroy();
    }
  }
  let state: WardenState | null = null;
  if (options.ledgerTable) {
    const client = new DynamoDBClient({
      region: config.organization.homeRegion,
      ...(options.profile ? { profile: options.profile } : {}),
    });
    try {
      state = await readWardenState(client, {
        ledger: options.ledgerTable,
        approvals: options.approvalsTable,
      });
    } catch (error) {
      throw new CliError(`reading Warden's ledger ${options.ledgerTable}: ${awsMessage(error)}`);
    } finally {
      client.destroy();
    }
  }
  return view.result(
    state,
    {
      description: `AWS GuardDuty administrator${options.profile ? ` (profile ${options.profile})` : ''}${state ? '' : "; Warden's ledger not read (give --ledger-table)"}`,
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
    `${result.total} finding(s) from the ${result.source.description}, regions ${result.source.regions.join(', ')}`,
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
    .option('--ledger-table <name>', "Warden's ledger table in AWS (to show blocks)")
    .option('--approvals-table <name>', "Warden's approvals table in AWS (to show pending approvals)")
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
