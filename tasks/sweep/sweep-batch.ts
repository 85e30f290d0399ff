import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { AccountRegistry } from '../accounts/registry';
import { ADMINISTRATOR_DETECTOR } from '../guardduty/administrator';
import { call } from '../shared/aws-call';
import { taskEnvironment } from '../shared/environment';
import { WardenError } from '../shared/errors';
import { lambdaHandler } from '../shared/lambda';
import { defineTask, type TaskDeps } from '../shared/task';
import { type Drift, findRegionDrift } from './drift';
import { AccountBatchRef } from './plan-batches';

/**
 * One batch of the drift sweep: the batch's accounts are read from the account list, checked in
 * every region, and when any drifted, the onboarding workflow is started for those accounts with
 * the drift it is to repair (trigger `sweep`; it reports the batch in one DRIFT notification).
 * So each repair is an onboarding of at most one batch — as large as a backfill execution, inside
 * Step Functions' limits — and the sweep itself carries only counts and the repairs' ARNs.
 */
export class SweepStateMachineUnknownError extends WardenError {}

/** Regions read at once within one batch. */
const REGION_CONCURRENCY = 4;

export const sweepBatchTask = defineTask({
  id: 'SweepAccountBatch',
  entry: __filename,
  input: z.object({
    batch: AccountBatchRef,
    /** The sweep execution's name: repairs are named after it, so a retried batch starts nothing twice. */
    sweep: z.string().min(1).max(80),
  }),
  environment: taskEnvironment(...ADMINISTRATOR_DETECTOR.variables, 'ACCOUNTS_TABLE', 'STATE_MACHINE_ARNS'),
  needs: {
    tables: { accounts: 'read' },
    actions: [
      ...ADMINISTRATOR_DETECTOR.actions,
      'guardduty:GetMembers',
      'guardduty:GetMemberDetectors',
      'states:StartExecution',
    ],
  },
  run: async ({ batch, sweep }, deps) => {
    const accounts = await new AccountRegistry(deps).batch(batch);
    const regions = deps.config.organization.regions;
    const drift: Drift[] = [];
    let next = 0;
    const worker = async () => {
      while (next < regions.length) {
        const region = regions[next++]!;
        drift.push(...(await findRegionDrift(deps, region, accounts)));
      }
    };
    await Promise.all(Array.from({ length: Math.min(REGION_CONCURRENCY, regions.length) }, worker));
    drift.sort((a, b) => a.accountId.localeCompare(b.accountId) || a.region.localeCompare(b.region));
    const drifted = [...new Set(drift.map((d) => d.accountId))];
    const repair = drifted.length ? await startRepair(deps, sweep, batch.index, drifted, drift) : undefined;
    return {
      index: batch.index,
      accounts: accounts.length,
      accountRegionsChecked: accounts.length * regions.length,
      driftedAccountRegions: drift.length,
      driftedAccounts: drifted.length,
      ...(repair ? { repair } : {}),
    };
  },
});

export const handler = lambdaHandler(sweepBatchTask);

async function startRepair(
  deps: TaskDeps,
  sweep: string,
  index: number,
  accounts: string[],
  drift: Drift[],
): Promise<string> {
  const stateMachineArn = deps.stateMachineArns.onboarding;
  if (!stateMachineArn) {
    throw new SweepStateMachineUnknownError(
      `STATE_MACHINE_ARNS has no onboarding entry; it names ${Object.keys(deps.stateMachineArns).join(', ') || 'nothing'}`,
    );
  }
  const suffix = `-repair-${index}`;
  const name = `${sweep.slice(0, 80 - suffix.length)}${suffix}`;
  const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  const { securityAccountId, homeRegion } = deps.config.organization;
  const sfn = deps.clients.client(SFNClient, { account: securityAccountId, region: homeRegion });
  await call(
    'starting the repair of the drifted accounts',
    () =>
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn,
          name,
          input: JSON.stringify({ trigger: 'sweep', accounts, batch: index, drift }),
        }),
      ),
    // A retry of this batch after its repair started: the repair of that first attempt stands.
    { ExecutionAlreadyExists: () => undefined },
  );
  return executionArn;
}
