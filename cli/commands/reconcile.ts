import {
  DescribeExecutionCommand,
  paginateListStateMachines,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import type { ReconcileReport } from '../../tasks/response/reconcile-blocks';
import { reconcileWorkflow } from '../../workflows/reconcile/definition';
import { CliError, UsageError } from '../cli-error';
import { runningEndpoint } from '../target/local-endpoint';
import { resolveTarget, sfnClient, stateMachineArn as stateMachineArnOf } from '../target/warden-target';
import { table } from './local-options';

/**
 * `warden reconcile`: starts the reconcile workflow where Warden runs — the local runtime
 * started by `npm start` (default) or the deployed state machine in AWS (`--region`) — waits for
 * it and prints the drift it found and what it repaired.
 */
interface ReconcileOptions {
  reportOnly?: boolean;
  endpoint?: string;
  dataDir?: string;
  region?: string;
  profile?: string;
  timeout: string;
}

export function registerReconcile(program: Command): void {
  program
    .command('reconcile')
    .description('compare the block ledger with the NACLs; remove expired Warden entries and report drift')
    .option('--report-only', 'report drift but change nothing')
    .option('--endpoint <url>', 'Step Functions endpoint (default: the local runtime from npm start)')
    .option('--data-dir <dir>', 'the local runtime’s data folder (as given to npm start)', '.warden')
    .option('--region <region>', 'run the deployed workflow in this AWS region')
    .option('--profile <profile>', 'run it in AWS with this profile (its region unless --region is given)')
    .option('--timeout <seconds>', 'how long to wait for the result', '300')
    .action(async (options: ReconcileOptions) => {
      const report = await reconcile(options);
      process.stdout.write(render(report));
    });
}

async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const timeoutSeconds = Number(options.timeout);
  if (!/^\d+$/.test(options.timeout) || timeoutSeconds < 1) {
    throw new UsageError(`--timeout must be a whole number of seconds from 1, got ${options.timeout}`);
  }
  // In AWS (--region, --profile or both) the state machine is the one the security stack's outputs name.
  const target = options.region || options.profile ? await resolveTarget(options) : undefined;
  const client = target
    ? sfnClient(target)
    : new SFNClient({
        region: 'us-east-1',
        endpoint: runningEndpoint(options),
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
  try {
    const stateMachineArn = target
      ? await stateMachineArnOf(target, client, reconcileWorkflow)
      : await call(() => findStateMachine(client));
    const { executionArn } = await call(() =>
      client.send(
        new StartExecutionCommand({
          stateMachineArn,
          input: JSON.stringify({ reportOnly: !!options.reportOnly }),
        }),
      ),
    );
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
      const execution = await call(() => client.send(new DescribeExecutionCommand({ executionArn })));
      if (execution.status === 'SUCCEEDED')
        return (JSON.parse(execution.output ?? '{}') as { report: ReconcileReport }).report;
      if (execution.status !== 'RUNNING') {
        throw new CliError(
          `the reconcile execution ended ${execution.status}: ${execution.error ?? ''} ${execution.cause ?? ''}`.trim(),
        );
      }
      if (Date.now() > deadline)
        throw new CliError(`no result after ${timeoutSeconds} s; see ${executionArn}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    client.destroy();
  }
}

async function findStateMachine(client: SFNClient): Promise<string> {
  for await (const page of paginateListStateMachines({ client }, {})) {
    const found = page.stateMachines?.find((m) => m.name === 'warden-reconcile');
    if (found?.stateMachineArn) return found.stateMachineArn;
  }
  throw new CliError(
    'no state machine named warden-reconcile here; is Warden deployed (or npm start running)?',
  );
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof CliError) throw error;
    const e = error as Error & { code?: string };
    if (e.code === 'ECONNREFUSED' || /ECONNREFUSED|fetch failed/.test(e.message)) {
      throw new CliError(
        'cannot reach the Step Functions endpoint; start Warden with npm start, or pass --region',
      );
    }
    throw new CliError(`${e.name}: ${e.message}`);
  }
}

function render(report: ReconcileReport): string {
  const head = `Checked ${report.naclsChecked} NACL(s) holding ${report.activeBlocks} active block(s); ${report.driftCount} difference(s), ${report.repaired} repaired${report.reportOnly ? ' (report only)' : ''}${report.driftCount > report.drift.length ? `; the first ${report.drift.length} listed` : ''}.\n`;
  if (!report.drift.length) return head;
  return `${head}${table(
    ['account', 'region', 'nacl', 'drift', 'rule', 'address', 'repair'],
    report.drift.map((d) => [
      d.account,
      d.region,
      d.naclId,
      d.kind,
      String(d.ruleNumber ?? ''),
      d.cidr ?? '',
      d.repaired ?? 'left alone',
    ]),
  )}\n`;
}
