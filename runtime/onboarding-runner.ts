import { batchSizeFor } from '../tasks/guardduty/batch-size';
import { GUARDDUTY_BATCH } from '../tasks/guardduty/members';
import { onboardingExecutionName } from '../tasks/onboarding/execution-name';
import type { AccountSummary } from '../tasks/onboarding/summarise';
import { listMemberAccounts } from '../tasks/sweep/list-accounts';
import { ManualClock, settle } from './clock';
import type { LocalRuntime } from './engine';
import type { ExecutionRecord } from './history';
import type { LocalWarden } from './local-warden';

/**
 * Starting and following onboarding on the local runtime: what `warden onboard`, `warden sweep`,
 * the workflow tests and the benchmark share.
 */

/**
 * Starts onboarding for `request` under the name derived from it. A second delivery of the same
 * Control Tower event finds the execution the first one started and reports a duplicate.
 */
export function startOnboarding(
  runtime: Pick<LocalRuntime, 'start' | 'describe'>,
  stateMachineArn: string,
  request: unknown,
  now: Date,
): { executionArn: string; duplicate: boolean } {
  const name = onboardingExecutionName(request, now);
  const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  let existing = true;
  try {
    runtime.describe(executionArn);
  } catch {
    existing = false;
  }
  if (existing) return { executionArn, duplicate: true };
  return { executionArn: runtime.start(stateMachineArn, request, name).executionArn, duplicate: false };
}

/**
 * Resolves when every execution has ended. On a manual clock nobody else moves time, so whenever
 * the runtime is idle but for Wait states, time jumps to the next one that falls due.
 */
export async function waitForExecutions(
  warden: Pick<LocalWarden, 'runtime' | 'clock'>,
  executionArns: readonly string[],
  onEnded?: (record: ExecutionRecord) => void,
): Promise<ExecutionRecord[]> {
  const records = Promise.all(
    executionArns.map(async (arn) => {
      const record = await warden.runtime.waitFor(arn);
      onEnded?.(record);
      return record;
    }),
  );
  const clock = warden.clock;
  if (clock instanceof ManualClock) {
    let done = false;
    void records.finally(() => {
      done = true;
    });
    while (!done) {
      await settle(5);
      // Time may only jump while no task is working: a task waiting on real I/O is not idle.
      if (warden.runtime.activeTasks > 0) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      const due = clock.nextDue();
      if (due !== undefined) await clock.advanceTo(due);
    }
  }
  return records;
}

export { batchSizeFor, MAX_ACCOUNT_REGIONS_PER_EXECUTION } from '../tasks/guardduty/batch-size';

export interface BackfillResult {
  executions: ExecutionRecord[];
  summaries: AccountSummary[];
  failedExecutions: ExecutionRecord[];
}

/**
 * Onboards every active account of the organisation (or `accounts`), in executions of at most 50
 * accounts so that each GuardDuty member call carries a whole batch.
 */
export async function backfill(
  warden: LocalWarden,
  options: {
    accounts?: readonly string[];
    batchSize?: number;
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<BackfillResult> {
  const accounts = options.accounts ?? (await listMemberAccounts(warden.deps));
  const size = Math.min(
    options.batchSize ?? GUARDDUTY_BATCH,
    batchSizeFor(warden.config.organization.regions.length),
  );
  const arn = warden.stateMachines.onboarding!;
  const now = new Date(warden.clock.now());
  const started: string[] = [];
  for (let i = 0, batch = 0; i < accounts.length; i += size, batch++) {
    const request = { trigger: 'backfill', accounts: accounts.slice(i, i + size), batch };
    started.push(startOnboarding(warden.runtime, arn, request, now).executionArn);
  }
  let done = 0;
  options.onProgress?.(0, accounts.length);
  const executions = await waitForExecutions(warden, started, (record) => {
    done += (JSON.parse(record.input) as { accounts: string[] }).accounts.length;
    options.onProgress?.(done, accounts.length);
  });
  const summaries = executions.flatMap(
    (e) => (JSON.parse(e.output ?? '{}') as { summaries?: AccountSummary[] }).summaries ?? [],
  );
  return { executions, summaries, failedExecutions: executions.filter((e) => e.status !== 'SUCCEEDED') };
}
