import { createHash } from 'node:crypto';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import * as z from '../../config/zod-mini';
import { call } from '../shared/aws-call';
import { taskEnvironment } from '../shared/environment';
import { MissingStateMachineError } from '../shared/errors';
import { lambdaHandler } from '../shared/lambda';
import { defineTask, type TaskDeps } from '../shared/task';
import {
  DECISION_RECORD_KIND,
  type DecisionRecord,
  decisionNameFor,
  policyVersionOf,
} from './decision-record';
import { type FindingRow, FindingsTable } from './findings-table';
import type { TriageResult } from './triage';
import { decideFindingEvent } from './verified-triage';

/**
 * The front door for GuardDuty findings (EventBridge → this function). It validates the event,
 * triages it, and starts at most one response per finding:
 * - the execution name is derived from the finding id and a generation number, so a duplicate
 *   delivery collides on the name (Step Functions keeps names unique) and starts nothing;
 * - an update of a finding whose response still runs (GuardDuty re-publishes with a higher
 *   `service.count`) pushes that response's block expiry later instead of starting another;
 * - an update after the response ended starts the next generation only when it asks for a
 *   block again or the decision changed, so an ongoing attack is blocked again.
 * On the path to containment this costs one call (StartExecution); the bookkeeping after it
 * runs while the execution is already working.
 *
 * A finding policy ignores starts no execution: the intake keeps a decision record (the finding,
 * the triage that says why, when and under which policy) in the findings table, which
 * `warden audit` and the console list beside the executions. A Standard execution would add a
 * billed state transition and an archived history for a decision that changes nothing.
 */
export type IntakeOutcome = 'STARTED' | 'RECORDED' | 'DUPLICATE' | 'EXTENDED' | 'UNCHANGED';

export interface IntakeResult {
  outcome: IntakeOutcome;
  findingId: string;
  decision: TriageResult['decision'];
  /** True when Warden only decides and records (dry-run mode or a sample finding). */
  dryRun: boolean;
  /** POLICY, or what overruled the policy (a guard, an untrusted finding, a disagreeing origin). */
  reason: TriageResult['reason'];
  /** Why a finding was not acted on as its policy says, when it was not. */
  notes: string[];
  executionArn?: string;
  /** The decision record kept instead of an execution (outcome RECORDED). */
  decisionRecord?: DecisionRecord;
}

export const intakeFindingTask = defineTask({
  id: 'IntakeFinding',
  trigger: { kind: 'event', events: 'guardduty-findings' },
  entry: __filename,
  environment: taskEnvironment('FINDINGS_TABLE', 'STATE_MACHINE_ARNS'),
  input: z.unknown(),
  needs: { tables: { findings: 'write' }, actions: ['states:StartExecution', 'states:DescribeExecution'] },
  run: intakeFinding,
});

export const handler = lambdaHandler(intakeFindingTask);

export async function intakeFinding(raw: unknown, deps: TaskDeps): Promise<IntakeResult> {
  // Only an event that is not a GuardDuty finding throws; a finding Warden cannot trust is
  // notified with the reason rather than failed into the dead-letter queue.
  const { triage, finding } = decideFindingEvent(raw, deps);
  const input = {
    finding: {
      id: finding.id,
      accountId: finding.accountId,
      region: finding.region,
      type: finding.type,
      severity: finding.severity,
      title: finding.title?.slice(0, 300) ?? null,
      updatedAt: finding.updatedAt,
      count: triage.count,
    },
    triage,
  };
  const base = {
    findingId: finding.id,
    decision: triage.decision,
    dryRun: triage.dryRun,
    reason: triage.reason,
    notes: triage.notes,
  };
  const findings = new FindingsTable(deps);
  // Before the execution starts: its first state and the block task re-decide from this copy.
  await findings.putEvidence(finding.id, finding.updatedAt, raw);
  if (triage.decision === 'IGNORE') return recordIgnored(deps, findings, input, base);

  const started = await startGeneration(deps, finding.id, 1, input);
  if (started) {
    // StartExecution is idempotent while the execution runs with the same input, so a repeated
    // delivery "starts" it again; the row, written once per generation, tells the two apart.
    const first = await findings.put({
      pk: finding.id,
      generation: 1,
      executionArn: started,
      lastUpdatedAt: finding.updatedAt,
      lastCount: triage.count,
      decision: triage.decision,
    });
    return { ...base, outcome: first ? 'STARTED' : 'DUPLICATE', executionArn: started };
  }

  const row = await findings.get(finding.id);
  if (!row || isRepeat(row, finding, triage)) {
    // The same event again, or the first delivery's bookkeeping has not landed yet.
    return { ...base, outcome: 'DUPLICATE', executionArn: row?.executionArn };
  }
  if (await extendIfRunning(deps, findings, row, finding, triage)) {
    return { ...base, outcome: 'EXTENDED', executionArn: row.executionArn };
  }
  const wantsBlock = triage.decision === 'BLOCK_AUTO' || triage.decision === 'BLOCK_WITH_APPROVAL';
  if (!wantsBlock && triage.decision === row.decision) {
    await findings.recordUpdate(finding.id, finding.updatedAt, triage.count);
    return { ...base, outcome: 'UNCHANGED', executionArn: row.executionArn };
  }
  const generation = row.generation + 1;
  const next = await startGeneration(deps, finding.id, generation, input);
  if (!next) return { ...base, outcome: 'DUPLICATE' };
  const first = await findings.put({
    pk: finding.id,
    generation,
    executionArn: next,
    lastUpdatedAt: finding.updatedAt,
    lastCount: triage.count,
    decision: triage.decision,
  });
  return { ...base, outcome: first ? 'STARTED' : 'DUPLICATE', executionArn: next };
}

/**
 * An ignored finding: a decision record instead of an execution. As for a response, a repeated
 * delivery records nothing, an update while the finding's response still runs extends that
 * response (its block outlives the attack), and an update that keeps the decision only moves
 * the row on; otherwise this version's decision is recorded. The record is written before the
 * row, so a delivery retried after a failure between the two still finds it (its conditional
 * write answers that it exists) and writes the row.
 */
async function recordIgnored(
  deps: TaskDeps,
  findings: FindingsTable,
  input: { finding: DecisionRecord['finding']; triage: TriageResult },
  base: Omit<IntakeResult, 'outcome'>,
): Promise<IntakeResult> {
  const { finding, triage } = input;
  const row = await findings.get(finding.id);
  if (row && isRepeat(row, finding, triage)) {
    return { ...base, outcome: 'DUPLICATE', executionArn: row.executionArn };
  }
  if (row && (await extendIfRunning(deps, findings, row, finding, triage))) {
    return { ...base, outcome: 'EXTENDED', executionArn: row.executionArn };
  }
  if (row?.decision === 'IGNORE') {
    await findings.recordUpdate(finding.id, finding.updatedAt, triage.count);
    return { ...base, outcome: 'UNCHANGED', executionArn: row.executionArn };
  }
  const now = deps.now();
  const record: DecisionRecord = {
    kind: DECISION_RECORD_KIND,
    name: decisionNameFor(finding.id, finding.updatedAt),
    decidedAt: now.toISOString(),
    decidedBy: intakeFindingTask.id,
    policyVersion: policyVersionOf(deps.config),
    keptUntil: new Date(now.getTime() + deps.config.audit.archiveRetentionDays * 86_400_000).toISOString(),
    finding,
    triage: { ...triage },
  };
  const recorded = await findings.putDecision(record);
  await findings.putIgnored(
    {
      pk: finding.id,
      // Generation 0: no response has started; an ended response's generation and execution stay.
      generation: row?.generation ?? 0,
      ...(row?.executionArn ? { executionArn: row.executionArn } : {}),
      lastUpdatedAt: finding.updatedAt,
      lastCount: triage.count,
      decision: triage.decision,
    },
    row?.generation,
  );
  return recorded
    ? { ...base, outcome: 'RECORDED', decisionRecord: record }
    : { ...base, outcome: 'DUPLICATE' };
}

/** The same delivery again, or an update no newer than the one the finding's row holds. */
function isRepeat(
  row: FindingRow,
  finding: { updatedAt: string },
  triage: Pick<TriageResult, 'count'>,
): boolean {
  return row.lastUpdatedAt >= finding.updatedAt && (row.lastCount ?? 0) >= (triage.count ?? 0);
}

/**
 * An update while the finding's response still runs: the attack goes on, so its block is
 * extended to `blockMinutes` from now. False, changing nothing, when no response runs.
 */
async function extendIfRunning(
  deps: TaskDeps,
  findings: FindingsTable,
  row: FindingRow,
  finding: { id: string; updatedAt: string },
  triage: Pick<TriageResult, 'count'>,
): Promise<boolean> {
  if (!row.executionArn || !(await isRunning(deps, row.executionArn))) return false;
  const extendTo = new Date(deps.now().getTime() + deps.config.response.blockMinutes * 60_000).toISOString();
  await findings.recordUpdate(finding.id, finding.updatedAt, triage.count, extendTo);
  return true;
}

/** `f-<hash of the finding id>-<generation>`: valid, short, and the same for every delivery. */
export function executionNameFor(findingId: string, generation: number): string {
  return `f-${createHash('sha256').update(findingId).digest('hex').slice(0, 32)}-${generation}`;
}

/** The response workflow's state machine, which every decision but IGNORE starts. */
export function responseStateMachine(deps: Pick<TaskDeps, 'stateMachineArns'>): string {
  const arn = deps.stateMachineArns.response;
  if (!arn) {
    throw new MissingStateMachineError(
      `STATE_MACHINE_ARNS names no response state machine (it names ${Object.keys(deps.stateMachineArns).join(', ') || 'none'})`,
    );
  }
  return arn;
}

async function startGeneration(
  deps: TaskDeps,
  findingId: string,
  generation: number,
  input: { triage: TriageResult },
): Promise<string | undefined> {
  const stateMachineArn = responseStateMachine(deps);
  const out = await call(
    'starting the response',
    () =>
      sfn(deps).send(
        new StartExecutionCommand({
          stateMachineArn,
          name: executionNameFor(findingId, generation),
          input: JSON.stringify(input),
        }),
      ),
    { ExecutionAlreadyExists: () => undefined },
  );
  return out?.executionArn;
}

async function isRunning(deps: TaskDeps, executionArn: string): Promise<boolean> {
  const out = await call(
    'checking the running response',
    () => sfn(deps).send(new DescribeExecutionCommand({ executionArn })),
    { ExecutionDoesNotExist: () => undefined },
  );
  return out?.status === 'RUNNING';
}

function sfn(deps: TaskDeps): SFNClient {
  const { securityAccountId, homeRegion } = deps.config.organization;
  return deps.clients.client(SFNClient, { account: securityAccountId, region: homeRegion });
}
