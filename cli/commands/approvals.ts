import type { Command } from 'commander';
import { CliError, UsageError } from '../cli-error';
import { runningEndpoint } from '../target/local-endpoint';
import { table } from './local-options';

/**
 * `warden approvals`: the running Warden's pending approvals, each with the link that opens its
 * approval page, newest last. Reads the local runtime (`.warden/runtime.json`) or `--endpoint`.
 */
export interface ApprovalsOptions {
  endpoint?: string;
  region?: string;
  profile?: string;
  json?: boolean;
}

export interface PendingApprovalRow {
  approvalId: string;
  link: string;
  findingId: string;
  findingType: string;
  severity: number;
  accountId: string;
  region: string;
  addresses: string[];
  createdAt: string;
  expiresAt: string;
}

export async function runApprovals(
  options: ApprovalsOptions,
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<PendingApprovalRow[]> {
  if (options.region !== undefined || options.profile !== undefined) {
    throw new UsageError(
      'approvals reads a running local Warden (or --endpoint); in AWS the links arrive in the APPROVAL_REQUESTED notifications',
    );
  }
  const endpoint = runningEndpoint(options);
  const response = await fetch(`${endpoint}/api/approvals`).catch((error: Error) => {
    throw new CliError(`nothing answers at ${endpoint} (${error.message}); is \`npm start\` still running?`);
  });
  if (response.status !== 200) {
    throw new CliError(`${endpoint} is not a Warden runtime that lists approvals (HTTP ${response.status})`);
  }
  const { approvals } = (await response.json()) as { approvals: PendingApprovalRow[] };
  const rows = [...approvals].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  if (options.json) {
    out(JSON.stringify(rows, null, 2));
    return rows;
  }
  if (rows.length === 0) {
    out('No approval is pending.');
    return rows;
  }
  out(
    table(
      ['finding type', 'severity', 'account', 'region', 'addresses', 'expires', 'link'],
      rows.map((r) => [
        r.findingType,
        String(r.severity),
        r.accountId,
        r.region,
        r.addresses.join(' '),
        r.expiresAt,
        r.link,
      ]),
    ),
  );
  out(`${rows.length} pending; sign in at ${endpoint}/sign-in, then open a link to approve or reject.`);
  return rows;
}

export function registerApprovals(program: Command): void {
  program
    .command('approvals')
    .description('List the running Warden’s pending approvals, with the link to each approval page')
    .option('--endpoint <url>', 'the running Warden (default: the local runtime in .warden/runtime.json)')
    .option('--region <region>', 'Warden in AWS (not listed here: the links arrive in notifications)')
    .option('--profile <name>', 'AWS profile (see --region)')
    .option('--json', 'the approvals as JSON')
    .action(async (options: ApprovalsOptions) => {
      await runApprovals(options);
    });
}
