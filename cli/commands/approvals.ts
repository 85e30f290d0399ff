import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Command } from 'commander';
import { OUTPUTS } from '../../infra/outputs';
import { type PendingApprovalListing, pendingApprovalListing } from '../../tasks/approval/pending-listing';
import { ApprovalStore } from '../../tasks/approval/store';
import { CliError } from '../cli-error';
import { type AwsTarget, resolveTarget, stackOutput, tableName, unreachable } from '../target/warden-target';
import { table } from './local-options';

/**
 * `warden approvals`: the running Warden's pending approvals, each with the link that opens its
 * approval page, newest last. In AWS (`--region`/`--profile`) it reads the approvals table the
 * security stack's outputs name and builds the links from its ApprovalBaseUrl output; otherwise
 * it asks the running Warden at `--endpoint` or the local runtime of `<data dir>/runtime.json`.
 */
export interface ApprovalsOptions {
  endpoint?: string;
  region?: string;
  profile?: string;
  dataDir?: string;
  json?: boolean;
}

export type PendingApprovalRow = PendingApprovalListing;

export async function runApprovals(
  options: ApprovalsOptions,
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<PendingApprovalRow[]> {
  const target = await resolveTarget(options);
  const approvals = target.kind === 'aws' ? await fromAws(target) : await fromRunning(target.endpoint);
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
  out(
    target.kind === 'aws'
      ? `${rows.length} pending; open a link and sign in as an approver to approve or reject.`
      : `${rows.length} pending; sign in at ${target.endpoint}/sign-in, then open a link to approve or reject.`,
  );
  return rows;
}

async function fromRunning(endpoint: string): Promise<PendingApprovalRow[]> {
  const response = await fetch(`${endpoint}/api/approvals`).catch((error: Error) => {
    throw new CliError(`nothing answers at ${endpoint} (${error.message}); is \`npm start\` still running?`);
  });
  if (response.status !== 200) {
    throw new CliError(`${endpoint} is not a Warden runtime that lists approvals (HTTP ${response.status})`);
  }
  return ((await response.json()) as { approvals: PendingApprovalRow[] }).approvals;
}

/** The approvals table the stack names, read as the approval page reads it (pending and not expired). */
async function fromAws(target: AwsTarget): Promise<PendingApprovalRow[]> {
  const table = tableName(target, 'approvals');
  const baseUrl = stackOutput(target, OUTPUTS.approvalBaseUrl).replace(/\/+$/, '');
  const client = new DynamoDBClient({ ...target.client, maxAttempts: 3 });
  try {
    const pending = await new ApprovalStore(
      DynamoDBDocumentClient.from(client),
      table,
      () => new Date(),
    ).listPending();
    return pending.map((approval) => pendingApprovalListing(approval, baseUrl));
  } catch (error) {
    throw new CliError(unreachable(target, error, `reading the approvals table ${table}`));
  } finally {
    client.destroy();
  }
}

export function registerApprovals(program: Command): void {
  program
    .command('approvals')
    .description('List the running Warden’s pending approvals, with the link to each approval page')
    .option('--endpoint <url>', 'a running Warden (default: the local runtime in <data dir>/runtime.json)')
    .option('--region <region>', "Warden in AWS: the region of its security stack (the config's homeRegion)")
    .option('--profile <name>', 'Warden in AWS: a profile of the shared config files')
    .option('--data-dir <dir>', 'the local runtime’s data folder (as given to npm start)', '.warden')
    .option('--json', 'the approvals as JSON')
    .action(async (options: ApprovalsOptions) => {
      await runApprovals(options);
    });
}
