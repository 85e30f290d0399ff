import type { Command } from 'commander';
import { parseConfig } from '../../config/load';
import { type Clock, ManualClock, RealClock } from '../../runtime/clock';
import { mountConsole } from '../../runtime/console';
import { startHttpServer } from '../../runtime/http-server';
import { startLocalWarden } from '../../runtime/local-warden';
import { waitForExecutions } from '../../runtime/onboarding-runner';
import { demoMembers } from '../../runtime/sandbox/demo-organization';
import { runScenario } from '../../runtime/scenario/demo';
import { Ledger } from '../../tasks/response/ledger';
import { writeRuntimeInfo } from '../audit/sources/runtime-info';
import { CliError, UsageError } from '../cli-error';
import { DEFAULT_CONFIG, readConfigOption, table } from './local-options';

/**
 * `warden start` (what `npm start` runs): Warden on this machine with no AWS account. It starts
 * the sandbox organisation, the workflows, the approval page and the Step Functions endpoint,
 * plays the scenario, prints what happened in plain words, and keeps serving until Ctrl-C.
 * `--once` runs the scenario on a clock that jumps from wait to wait, approves the pending block
 * as the first local approver, lets every block expire, prints a summary and exits 0.
 */
interface StartOptions {
  config: string;
  once?: boolean;
  port?: string;
  blockMinutes?: string;
  members: string;
  dataDir: string;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run Warden locally against a sandbox organisation and play the demo scenario')
    .option('--config <file>', 'config file', DEFAULT_CONFIG)
    .option('--once', 'run the scenario on a fast clock, print a summary and exit')
    .option(
      '--port <port>',
      'port of the approval page, the Step Functions and EventBridge endpoints on 127.0.0.1 (default: 4321; any free port with --once)',
    )
    .option(
      '--block-minutes <minutes>',
      'how long blocks last (default: 2 interactively, the config’s with --once)',
    )
    .option('--members <count>', 'member accounts in the sandbox organisation besides the new one', '3')
    .option('--data-dir <dir>', 'where executions and their archive are kept', '.warden')
    .action(async (options: StartOptions) => {
      await start(options);
    });
}

async function start(options: StartOptions): Promise<void> {
  const port = wholeNumber(options.port ?? (options.once ? '0' : '4321'), '--port', 0, 65535);
  const members = wholeNumber(options.members, '--members', 1, 50);
  const base = readConfigOption(options.config);
  const blockMinutes = options.blockMinutes
    ? wholeNumber(options.blockMinutes, '--block-minutes', 1, 525600)
    : options.once
      ? base.response.blockMinutes
      : 2;
  const config = parseConfig(
    {
      ...base,
      response: {
        ...base.response,
        // The sandbox is the place to watch blocks happen: nothing real is changed, so it
        // enforces even when the config (like the shipped one) says dry-run.
        mode: 'enforce',
        blockMinutes,
        maxBlockMinutes: Math.max(blockMinutes, base.response.maxBlockMinutes),
      },
    },
    options.config,
  );
  const clock: Clock = options.once ? new ManualClock(Date.now()) : new RealClock();
  const out = (line: string) => process.stdout.write(`${line}\n`);

  const warden = await startLocalWarden({
    config,
    members: demoMembers(members),
    clock,
    dataDir: options.dataDir,
  });
  const server = await startHttpServer({ warden, port }).catch(async (error: Error) => {
    // The runtime already holds timers and a database: stop it, or the process never exits.
    await warden.stop();
    throw new CliError(`cannot serve on 127.0.0.1:${port}: ${error.message} (choose another with --port)`);
  });
  mountConsole(server, warden);
  writeRuntimeInfo({ sfnEndpoint: server.url }, options.dataDir);
  out(
    `Warden runs locally: sandbox organisation ${config.organization.managementAccountId} (management), ${config.organization.securityAccountId} (security), ${members} members; regions ${config.organization.regions.join(', ')}.`,
  );
  if (base.response.mode === 'dry-run') {
    out(
      `${options.config} says dry-run; the sandbox enforces anyway, since nothing real changes here. In AWS, Warden follows the config.`,
    );
  }
  out(`Approval page and Step Functions endpoint: ${server.url}`);
  out(`Console (read-only): ${server.url}/console`);

  try {
    await runScenario(warden, {
      log: out,
      approveAs: options.once ? config.approvals.localApprovers[0] : undefined,
    });
    if (options.once) {
      const running = warden.runtime
        .list()
        .filter((r) => r.status === 'RUNNING')
        .map((r) => r.executionArn);
      await waitForExecutions(warden, running);
      await printSummary(warden, out);
      return;
    }
    out('');
    out(
      `Sign in at ${server.url}/sign-in as ${config.approvals.localApprovers.join(' or ')} to approve or reject.`,
    );
    out(
      `Blocks last ${blockMinutes} minutes. Read the story of every execution with: npm run warden -- audit`,
    );
    out('Press Ctrl-C to stop.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    out('Stopping: pending approvals are settled and running executions stopped.');
  } finally {
    await server.close();
    await warden.stop();
  }
}

async function printSummary(
  warden: Awaited<ReturnType<typeof startLocalWarden>>,
  out: (line: string) => void,
) {
  const executions = warden.runtime.list();
  out('');
  out('Executions:');
  out(
    table(
      ['workflow', 'execution', 'status'],
      executions.map((e) => [e.stateMachineArn.split(':').pop()!, e.name, e.status]),
    ),
  );
  const records = await new Ledger(warden.deps).records();
  out('');
  out('NACL entries Warden created:');
  out(
    table(
      ['address', 'nacl', 'rule', 'created', 'removed', 'how'],
      records.map((r) => [
        r.cidr,
        r.naclId,
        String(r.ruleNumber),
        r.createdAt,
        r.removedAt ?? '-',
        r.removal ?? 'active',
      ]),
    ),
  );
  const byCategory = new Map<string, number>();
  for (const m of warden.world.services.sns.outbox) {
    const category = m.attributes.category ?? 'UNKNOWN';
    byCategory.set(category, (byCategory.get(category) ?? 0) + 1);
  }
  out('');
  out(`Notifications: ${[...byCategory].map(([c, n]) => `${c} ${n}`).join(', ')}`);
  const failed = executions.filter((e) => e.status !== 'SUCCEEDED');
  if (failed.length)
    throw new CliError(
      `${failed.length} execution(s) did not succeed: ${failed.map((f) => f.name).join(', ')}`,
    );
  out('All executions succeeded; every block Warden added has been removed.');
}

function wholeNumber(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got ${text}`);
  return n;
}
