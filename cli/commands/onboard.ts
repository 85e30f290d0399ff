import type { Command } from 'commander';
import { ACCOUNT_ID } from '../../config/aws-names';
import { onboardingExecutionName } from '../../tasks/onboarding/execution-name';
import type { AccountSummary } from '../../tasks/onboarding/summarise';
import { onboardingWorkflow } from '../../workflows/onboarding/definition';
import { CliError, UsageError } from '../cli-error';
import { Progress, type ProgressStream } from '../progress';
import { startExecution, succeededOutput, timeoutOption, waitForExecution } from '../target/executions';
import { addTargetOptions, type TargetCommandOptions } from '../target/options';
import { resolveTarget, sfnClient, stateMachineArn } from '../target/warden-target';
import { table } from './local-options';
import { sweepAndRepair } from './sweep';

/**
 * `warden onboard ACCOUNT_ID` starts the onboarding workflow for one account where Warden runs
 * (AWS, `--endpoint`, or the local runtime) and follows it to the end. `warden onboard --all`
 * runs the sweep, which reads every active account of the organisation and onboards each one not
 * yet a member with the configured features (an onboarding execution per batch of 50); accounts
 * already onboarded are left as they are, as onboarding them again would change nothing.
 */
export interface OnboardOptions extends TargetCommandOptions {
  all?: boolean;
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

interface OnboardingOutput {
  skipped?: boolean;
  reason?: string;
  detail?: string;
  summaries?: AccountSummary[];
}

export async function runOnboard(
  accountId: string | undefined,
  options: OnboardOptions,
  out: { write(text: string): void } = process.stdout,
  progress: ProgressStream = process.stderr,
): Promise<AccountSummary[]> {
  if (accountId && options.all) throw new UsageError('give either an ACCOUNT_ID or --all, not both');
  if (!accountId && !options.all) throw new UsageError('give an ACCOUNT_ID to onboard, or --all');
  if (accountId && !ACCOUNT_ID.test(accountId)) {
    throw new UsageError(`ACCOUNT_ID must be a 12-digit AWS account id, got '${accountId}'`);
  }
  const timeoutSeconds = timeoutOption(options.timeout);
  const target = await resolveTarget(options);
  const client = sfnClient(target);
  try {
    let summaries: AccountSummary[];
    if (options.all) {
      const { counts, output } = await sweepAndRepair(target, client, timeoutSeconds, progress);
      summaries = output.summary?.summaries ?? [];
      out.write(
        `${counts.accounts} active account(s) in the organisation; ${counts.accounts - counts.driftedAccounts} already onboarded as configured, ${counts.driftedAccounts} onboarded now\n`,
      );
    } else {
      const request = { trigger: 'cli', accounts: [accountId!] };
      progress.write(`onboarding ${accountId} on ${target.description}\n`);
      const bar = new Progress(progress, true, { label: 'onboarding', noun: 'accounts' });
      bar.update(0, 1);
      const executionArn = await startExecution(target, client, {
        stateMachineArn: await stateMachineArn(target, client, onboardingWorkflow),
        input: request,
        name: onboardingExecutionName(request, new Date()),
      });
      const execution = await waitForExecution(target, client, executionArn, timeoutSeconds);
      bar.update(1, 1);
      bar.finish();
      const output = succeededOutput<OnboardingOutput>(execution, 'onboarding');
      if (output.skipped) throw new CliError(`not onboarded: ${output.reason}: ${output.detail}`);
      summaries = output.summaries ?? [];
    }
    if (summaries.length) out.write(`${summaryTable(summaries)}\n`);
    if (summaries.some((s) => s.result !== 'ONBOARDED')) process.exitCode = 1;
    return summaries;
  } finally {
    client.destroy();
  }
}

export function registerOnboard(program: Command): void {
  addTargetOptions(
    program
      .command('onboard')
      .description('Onboard one account, or every account with --all, into GuardDuty where Warden runs')
      .argument('[ACCOUNT_ID]', '12-digit account id to onboard')
      .option('--all', 'onboard every active account of the organisation not onboarded yet'),
  ).action(async (accountId: string | undefined, options: OnboardOptions) => {
    await runOnboard(accountId, options);
  });
}
