import type { DecisionRecord } from '../tasks/response/decision-record';
import { type AuditStory, nothingHappened } from './model';
import { outcomeOf } from './story';
import { findingTrigger, triageFacts } from './story-response';

/** The audit's name for decision records, where an execution's workflow would be. */
export const DECISIONS_WORKFLOW = 'ignored';
/** The status of a decision record, where an execution's would be. */
export const RECORDED_STATUS = 'RECORDED';
/** The one step of a decision record's timeline. */
export const DECISION_STEP = 'Ignore the finding';

/**
 * The story of a finding the intake ignored without starting an execution. The record holds
 * what the execution input would have held (`finding`, `triage`), so the trigger and the triage
 * are read by the same functions as an execution's; nothing was approved, changed or notified.
 */
export function buildDecisionStory(record: DecisionRecord): AuditStory {
  const story: AuditStory = {
    decision: {
      decidedAt: record.decidedAt,
      decidedBy: record.decidedBy,
      policyVersion: record.policyVersion,
      keptUntil: record.keptUntil,
    },
    execution: {
      arn: '',
      name: record.name,
      stateMachine: '',
      workflow: DECISIONS_WORKFLOW,
      status: RECORDED_STATUS,
      startedAt: record.decidedAt,
      stoppedAt: record.decidedAt,
      durationSeconds: 0,
      historyEvents: 0,
    },
    trigger: findingTrigger(record),
    triage: triageFacts(record),
    ...nothingHappened(),
    timeline: [{ at: record.decidedAt, state: DECISION_STEP, type: 'DecisionRecorded' }],
    outcome: '',
  };
  story.outcome = outcomeOf(story);
  return story;
}
