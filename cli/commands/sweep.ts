import type { SFNClient } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import type { AccountSummary } from '../../tasks/onboarding/summarise';
import type { Drift } from '../../tasks/sweep/drift';
import type { summariseSweep } from '../../tasks/sweep/summarise-sweep';
import { sweepWorkflow } from '../../workflows/sweep/definition';
import { Progress, type ProgressStream } from '../progress';
import { startExecution, succeededOutput, timeoutOption, waitForExecution } from '../target/executions';
import { addTargetOptions, type TargetCommandOptions } from '../target/options';
import { resolveTarget, sfnClient, stateMachineArn, type WardenTarget } from '../target/warden-target';
import { table } from './local-options';

/**
 * `warden sweep`: runs the drift sweep once where Warden runs (AWS, `--endpoint`, or the local
 * runtime), follows the onboarding executions it starts to repair each drifted batch, and prints
 * what it found and did.
 */
export interface SweepOptions extends TargetCommandOptions {}

export interface SweepOutput {
  drift?: Drift[];
  summary?: { summaries: AccountSummary[] };
}

/** What the sweep workflow returns: counts, and the onboarding executions repairing each drifted batch. */
export type SweepCounts = ReturnType<typeof summariseSweep>;

export function driftTable(output: SweepOutput): string {
  const outcomes = new Map<string, string>();
  for (const s of output.summary?.summaries ?? []) {
    for (const r of s.regions) outcomes.set(`${s.accountId}|${r.region}`, r.outcome);
  }
  return table(
    ['account', 'region', 'found', 'result'],
    (output.drift ?? []).map((d) => [
      d.accountId,
      d.region,
      d.features ? `features: ${d.features.join(', ')}` : d.status,
      outcomes.get(`${d.accountId}|${d.region}`) ?? 'not repaired',
    ]),
  );
}

/** Runs the sweep and waits for every repair it started; what `sweep` and `onboard --all` share. */
export async function sweepAndRepair(
  target: WardenTarget,
  client: SFNClient,
  timeoutSeconds: number,
  progress: ProgressStream,
): Promise<{ counts: SweepCounts; output: SweepOutput }> {
  const executionArn = await startExecution(target, client, {
    stateMachineArn: await stateMachineArn(target, client, sweepWorkflow),
    input: {},
  });
  progress.write(`sweeping for drift on ${target.description} (${executionArn.split(':').pop()})…\n`);
  const counts = succeededOutput<SweepCounts>(
    await waitForExecution(target, client, executionArn, timeoutSeconds),
    'the sweep',
  );
  const repairs = counts.repairs ?? [];
  const drift: Drift[] = [];
  const summaries: AccountSummary[] = [];
  const bar = new Progress(progress, true, { label: 'repairing', noun: 'batches' });
  for (const [i, repair] of repairs.entries()) {
    bar.update(i, repairs.length);
    const execution = await waitForExecution(target, client, repair, timeoutSeconds);
    drift.push(...((JSON.parse(execution.input ?? '{}') as { drift?: Drift[] }).drift ?? []));
    summaries.push(
      ...(succeededOutput<{ summaries?: AccountSummary[] }>(execution, 'a repair').summaries ?? []),
    );
  }
  if (repairs.length) bar.update(repairs.length, repairs.length);
  bar.finish();
  return { counts, output: { drift, summary: { summaries } } };
}

export async function runSweep(
  options: SweepOptions,
  out: { write(text: string): void } = process.stdout,
  progress: ProgressStream = process.stderr,
): Promise<SweepOutput> {
  const timeoutSeconds = timeoutOption(options.timeout);
  const target = await resolveTarget(options);
  const client = sfnClient(target);
  try {
    const { counts, output } = await sweepAndRepair(target, client, timeoutSeconds, progress);
    out.write(
      output.drift?.length
        ? `${driftTable(output)}\n`
        : `no drift: every one of ${counts.accounts} account(s) is Enabled as configured\n`,
    );
    return output;
  } finally {
    client.destroy();
  }
}

export function registerSweep(program: Command): void {
  addTargetOptions(
    program
      .command('sweep')
      .description('Find and repair GuardDuty membership and feature drift where Warden runs'),
  ).action(async (options: SweepOptions) => {
    await runSweep(options);
  });
}
