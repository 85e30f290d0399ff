import type { Command } from 'commander';
import { ACCOUNT_ID } from '../../config/aws-names';
import { backfill, startOnboarding, waitForExecutions } from '../../runtime/onboarding-runner';
import type { AccountSummary } from '../../tasks/onboarding/summarise';
import { CliError, UsageError } from '../cli-error';
import {
  DEFAULT_CONFIG,
  progressBar,
  readConfigOption,
  readMemberCount,
  startSandboxWarden,
  table,
} from './local-options';

/**
 * `warden onboard ACCOUNT_ID` / `warden onboard --all`: onboards on the local runtime against
 * the sandbox organisation, shows progress, and ends with one row per account.
 */
export interface OnboardOptions {
  all?: boolean;
  config: string;
  members: string;
}

export function summaryTable(summaries: readonly AccountSummary[]): string {
  return table(
    ['account', 'result', 'enabled', 'already', 'skipped', 'failed', 'notes'],
    summaries.map((s) => [
      s.accountId,
      s.result,
      String(s.counts.enabled),
      String(s.counts.alreadyEnabled),
      String(s.counts.skipped),
      String(s.counts.failed),
      s.reason ??
        s.regions
          .filter((r) => r.kind === 'failed' || r.kind === 'skipped')
          .map((r) => `${r.region}: ${r.outcome}`)
          .join('; '),
    ]),
  );
}

export async function runOnboard(
  accountId: string | undefined,
  options: OnboardOptions,
  out: { write(text: string): void } = process.stdout,
  progress: { write(text: string): void } = process.stderr,
): Promise<AccountSummary[]> {
  if (accountId && options.all) throw new UsageError('give either an ACCOUNT_ID or --all, not both');
  if (!accountId && !options.all) throw new UsageError('give an ACCOUNT_ID to onboard, or --all');
  if (accountId && !ACCOUNT_ID.test(accountId)) {
    throw new UsageError(`ACCOUNT_ID must be a 12-digit AWS account id, got '${accountId}'`);
  }
  const config = readConfigOption(options.config);
  const warden = await startSandboxWarden(config, readMemberCount(options.members));
  try {
    const show = (done: number, total: number) => progress.write(`\ronboarding ${progressBar(done, total)}`);
    let summaries: AccountSummary[];
    if (options.all) {
      const result = await backfill(warden, { onProgress: show });
      for (const e of result.failedExecutions) {
        progress.write(`\nexecution ${e.name} ended ${e.status}: ${e.error ?? ''} ${e.cause ?? ''}`);
      }
      summaries = result.summaries;
    } else {
      show(0, 1);
      const request = { trigger: 'cli', accounts: [accountId!] };
      const { executionArn } = startOnboarding(
        warden.runtime,
        warden.stateMachines.onboarding!,
        request,
        new Date(warden.clock.now()),
      );
      const [record] = await waitForExecutions(warden, [executionArn]);
      show(1, 1);
      if (record!.status !== 'SUCCEEDED') {
        throw new CliError(`onboarding ended ${record!.status}: ${record!.error}: ${record!.cause}`);
      }
      const output = JSON.parse(record!.output ?? '{}') as {
        skipped?: boolean;
        reason?: string;
        detail?: string;
        summaries?: AccountSummary[];
      };
      if (output.skipped) throw new CliError(`not onboarded: ${output.reason}: ${output.detail}`);
      summaries = output.summaries ?? [];
    }
    progress.write('\n');
    out.write(`${summaryTable(summaries)}\n`);
    if (summaries.some((s) => s.result !== 'ONBOARDED')) process.exitCode = 1;
    return summaries;
  } finally {
    await warden.stop();
  }
}

export function registerOnboard(program: Command): void {
  program
    .command('onboard')
    .description('Onboard one account, or every account with --all, into GuardDuty (local sandbox)')
    .argument('[ACCOUNT_ID]', '12-digit account id to onboard')
    .option('--all', 'onboard every active account of the organisation')
    .option('--config <path>', 'Warden config file', DEFAULT_CONFIG)
    .option('--members <count>', 'member accounts in the sandbox organisation', '10')
    .action(async (accountId: string | undefined, options: OnboardOptions) => {
      await runOnboard(accountId, options);
    });
}
