import { type AuditStory, nothingHappened } from '../../audit/model';
import type { ArchivedExecution, ArchivedHistoryEvent } from '../../tasks/shared/archive-format';

/** Builders for audit tests: an archived execution from a few events, a story with overrides. */
/** A history event before it is numbered. */
export type EventInput = { type: string; timestamp: string; [details: string]: unknown };

export const RESPONSE_ARN = 'arn:aws:states:eu-west-1:222222222222:stateMachine:warden-response';

export function makeArchive(
  options: { status?: string; input?: unknown; output?: unknown; events?: EventInput[] } = {},
): ArchivedExecution {
  return {
    execution: {
      executionArn: `${RESPONSE_ARN.replace(':stateMachine:', ':execution:')}:f-1`,
      stateMachineArn: RESPONSE_ARN,
      name: 'f-1',
      status: options.status ?? 'SUCCEEDED',
      startDate: '2026-03-01T10:00:00.000Z',
      ...(options.status === 'RUNNING' ? {} : { stopDate: '2026-03-01T10:30:00.000Z' }),
      ...(options.input === undefined ? {} : { input: JSON.stringify(options.input) }),
      ...(options.output === undefined ? {} : { output: JSON.stringify(options.output) }),
    },
    events: (options.events ?? []).map(
      (e, i): ArchivedHistoryEvent => ({ ...e, id: i + 1, previousEventId: i }),
    ),
  };
}

export function entered(name: string, at = '2026-03-01T10:00:00.000Z', type = 'Task'): EventInput {
  return { type: `${type}StateEntered`, timestamp: at, stateEnteredEventDetails: { name } };
}

export function event(type: string, details: Record<string, unknown> = {}, at = '2026-03-01T10:00:00.000Z') {
  const key = `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
  return { type, timestamp: at, [key]: details };
}

export function makeStory(overrides: Partial<AuditStory> = {}): AuditStory {
  return {
    decision: null,
    execution: {
      arn: 'arn:aws:states:eu-west-1:222222222222:execution:warden-response:f-1',
      name: 'f-1',
      stateMachine: 'warden-response',
      workflow: 'response',
      status: 'SUCCEEDED',
      startedAt: '2026-03-01T10:00:00.000Z',
      stoppedAt: '2026-03-01T10:30:00.000Z',
      durationSeconds: 1800,
      historyEvents: 10,
    },
    trigger: null,
    triage: null,
    ...nothingHappened(),
    timeline: [],
    outcome: 'succeeded',
    ...overrides,
  };
}
