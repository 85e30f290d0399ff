import type { Command } from 'commander';
import { waitForExecutions } from '../../runtime/onboarding-runner';
import type { AccountSummary } from '../../tasks/onboarding/summarise';
import type { Drift } from '../../tasks/sweep/drift';
import { CliError } from '../cli-error';
import {
  DEFAULT_CONFIG,
  readConfigOption,
  readMemberCount,
  startSandboxWarden,
  table,
} from './local-options';

/** `warden sweep`: runs the drift sweep once on the local runtime and prints what it found and did. */
export interface SweepOptions {
  config: string;
  members: string;
}

export interface SweepOutput {
  drift?: Drift[];
  summary?: { summaries: AccountSummary[] };
}

/** The sweep's own output: counts, and the onboarding executions repairing each drifted batch. */
interface SweepCounts {
  hasDrift: boolean;
  repairs: string[];
}

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

export async function runSweep(
  options: SweepOptions,
  out: { write(text: string): void } = process.stdout,
  progress: { write(text: string): void } = process.stderr,
): Promise<SweepOutput> {
  const config = readConfigOption(options.config);
  const warden = await startSandboxWarden(config, readMemberCount(options.members));
  try {
    progress.write('sweeping for drift…\n');
    const { executionArn } = warden.runtime.start(warden.stateMachines.sweep!, {});
    const [record] = await waitForExecutions(warden, [executionArn]);
    if (record!.status !== 'SUCCEEDED') {
      throw new CliError(`the sweep ended ${record!.status}: ${record!.error}: ${record!.cause}`);
    }
    const counts = JSON.parse(record!.output ?? '{}') as SweepCounts;
    // Each drifted batch is repaired by its own onboarding execution: wait for them all.
    const repairs = await waitForExecutions(warden, counts.repairs ?? []);
    const output: SweepOutput = {
      drift: repairs.flatMap((r) => (JSON.parse(r.input) as { drift?: Drift[] }).drift ?? []),
      summary: {
        summaries: repairs.flatMap(
          (r) => (JSON.parse(r.output ?? '{}') as { summaries?: AccountSummary[] }).summaries ?? [],
        ),
      },
    };
    out.write(
      output.drift?.length ? `${driftTable(output)}\n` : 'no drift: every account is Enabled as configured\n',
    );
    return output;
  } finally {
    await warden.stop();
  }
}

export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description('Find and repair GuardDuty membership and feature drift (local sandbox)')
    .option('--config <path>', 'Warden config file', DEFAULT_CONFIG)
    .option('--members <count>', 'member accounts in the sandbox organisation', '10')
    .action(async (options: SweepOptions) => {
      await runSweep(options);
    });
}
