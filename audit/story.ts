import { type ArchivedExecution, stateMachineNameOf } from '../tasks/shared/archive-format';
import { indexHistory, parseJson } from './history-index';
import { obj, secondsBetween, str } from './loose';
import type { AuditStory, NotificationFacts } from './model';
import { onboardingFacts, onboardingTrigger } from './story-onboarding';
import { approvalFacts, blockFacts, findingTrigger, triageFacts } from './story-response';
import { workflowOf } from './workflows';

/**
 * An execution's story from its record and full history. Works for any of Warden's workflows:
 * each part is found by the shape of what the states read and returned, so a story is told
 * even for an execution of an older definition, and a part that is missing is left empty.
 */
export function buildStory(archive: ArchivedExecution): AuditStory {
  const { execution, events } = archive;
  const index = indexHistory(events);
  const input = parseJson(execution.input ?? index.startedInput);
  const output = parseJson(execution.output ?? index.succeededOutput);
  const finished = execution.status !== 'RUNNING';
  const stateMachine = stateMachineNameOf(execution.stateMachineArn);
  const workflow = workflowOf(stateMachine);

  const trigger = findingTrigger(input) ?? onboardingTrigger(input) ?? unknownTrigger(input);
  const triage = triageFacts(input);
  const approval = approvalFacts(index, finished);
  const { naclChanges, lifts, extensions } = blockFacts(index, trigger, approval?.approver ?? null);
  const onboarding = onboardingFacts(index, output);
  const notifications = index.taskResults.flatMap((r): NotificationFacts[] => {
    // A notify task returns the publication; the block task returns it beside its block.
    const output = obj(r.output);
    const result = typeof output?.published === 'boolean' ? output : obj(output?.notification);
    if (typeof result?.published !== 'boolean') return [];
    return [
      {
        at: r.at,
        state: r.state,
        // The onboarding result task publishes one category only and does not echo it.
        category: str(result.category) ?? (onboarding ? 'ONBOARDING_RESULT' : null),
        published: result.published,
        messageId: str(result.messageId),
        reason: str(result.reason),
      },
    ];
  });
  // A rejection or an unanswered approval is an outcome of the approval, not an error.
  const errors = index.failures
    .filter((f) => !(f.type === 'TaskFailed' && f.error === 'ApprovalRejected') && f.type !== 'TaskTimedOut')
    .map(({ at, state, error, cause }) => ({ at, state, error, cause }));
  if (execution.error && !errors.some((e) => e.error === execution.error)) {
    errors.push({
      at: execution.stopDate ?? execution.startDate,
      state: null,
      error: execution.error,
      cause: execution.cause ?? '',
    });
  }

  const story: AuditStory = {
    decision: null,
    execution: {
      arn: execution.executionArn,
      name: execution.name,
      stateMachine,
      workflow,
      status: execution.status,
      startedAt: execution.startDate,
      stoppedAt: execution.stopDate ?? null,
      durationSeconds: secondsBetween(execution.startDate, execution.stopDate ?? null),
      historyEvents: events.length,
    },
    trigger,
    triage,
    approval,
    naclChanges,
    lifts,
    extensions,
    onboarding,
    notifications,
    errors,
    timeline: index.entered.map(({ at, state, type }) => ({ at, state, type })),
    outcome: '',
  };
  story.outcome = outcomeOf(story);
  return story;
}

function unknownTrigger(input: unknown): AuditStory['trigger'] {
  const fields = obj(input);
  if (!fields) return null;
  const keys = Object.keys(fields);
  return {
    kind: 'unknown',
    summary: keys.length ? `input with ${keys.slice(0, 5).join(', ')}` : 'empty input',
  };
}

/** The story in one line, the way an auditor would summarise it. */
export function outcomeOf(story: AuditStory): string {
  const parts: string[] = [];
  const { triage, approval, naclChanges, lifts, onboarding } = story;
  if (triage)
    parts.push(
      `${triage.decision}${triage.reason && triage.reason !== 'POLICY' ? ` (${triage.reason})` : ''}`,
    );
  if (approval) {
    if (approval.outcome === 'APPROVED') parts.push(`approved by ${approval.approver ?? 'unknown'}`);
    else if (approval.outcome === 'REJECTED') parts.push(`rejected by ${approval.approver ?? 'unknown'}`);
    else if (approval.outcome === 'TIMED_OUT')
      parts.push(
        `nobody approved in time${approval.onTimeout === 'BLOCKED_BY_POLICY' ? ', blocked by policy' : ''}`,
      );
    else if (approval.outcome === 'PENDING') parts.push('waiting for approval');
    else parts.push(`approval ${approval.outcome.toLowerCase().replace('_', ' ')}`);
  }
  const applied = naclChanges.filter((c) => c.outcome === 'BLOCKED' || c.outcome === 'EVICTED_OLDEST');
  if (applied.length) {
    parts.push(
      `blocked ${applied.map((c) => `${c.cidr} in ${c.naclId} rule ${c.ruleNumber ?? '?'}`).join(', ')}`,
    );
  } else if (naclChanges.length) {
    parts.push(`no NACL change (${[...new Set(naclChanges.map((c) => c.outcome))].join(', ')})`);
  }
  if (lifts.length) parts.push(`lifted (${[...new Set(lifts.map((l) => l.outcome))].join(', ')})`);
  if (onboarding) {
    if (onboarding.skipped) parts.push(`not onboarded: ${onboarding.reason ?? 'skipped'}`);
    for (const account of onboarding.accounts) {
      const skipped = account.regions
        .filter((r) => r.kind === 'skipped')
        .map((r) => `${r.region} ${r.outcome}`);
      const failed = account.regions
        .filter((r) => r.kind === 'failed')
        .map((r) => `${r.region} ${r.outcome}`);
      parts.push(
        `${account.accountId} ${account.result}${skipped.length ? `; skipped ${skipped.join(', ')}` : ''}${failed.length ? `; failed ${failed.join(', ')}` : ''}`,
      );
    }
  }
  if (story.errors.length && story.execution.status !== 'SUCCEEDED')
    parts.push(`error ${story.errors.at(-1)!.error}`);
  if (story.execution.status === 'RUNNING') parts.push('still running');
  return parts.join('; ') || story.execution.status.toLowerCase();
}
