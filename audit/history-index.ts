import type { ArchivedHistoryEvent } from '../tasks/shared/archive-format';

/**
 * One pass over an execution history that sorts its events into what a story is made of: the
 * states entered, every task result, every failure, the callback (approval) events. Each event
 * is attributed to the state it belongs to by following `previousEventId` back to a
 * `…StateEntered` event, as Step Functions links them.
 */
export interface Moment {
  at: string;
  state: string | null;
}

export interface Callback extends Moment {
  timeoutSeconds: number | null;
  settled:
    | (Moment & { kind: 'succeeded'; output: unknown })
    | (Moment & { kind: 'failed' | 'timedOut'; error: string; cause: string })
    | null;
}

export interface HistoryIndex {
  entered: (Moment & { state: string; type: string })[];
  exited: (Moment & { state: string; output: unknown })[];
  /** What each Lambda task returned, and what each callback task was sent back. */
  taskResults: (Moment & { output: unknown })[];
  failures: (Moment & { type: string; error: string; cause: string })[];
  /** Each callback task (the approval), with the first event that settled it. */
  callbacks: Callback[];
  /** ExecutionStarted's input and ExecutionSucceeded's output, when recorded. */
  startedInput: string | undefined;
  succeededOutput: string | undefined;
}

const FAILURE_TYPES = new Set([
  'LambdaFunctionFailed',
  'LambdaFunctionTimedOut',
  'LambdaFunctionScheduleFailed',
  'LambdaFunctionStartFailed',
  'TaskFailed',
  'TaskTimedOut',
  'TaskStartFailed',
  'TaskSubmitFailed',
  'MapIterationFailed',
  'MapRunFailed',
  'ExecutionFailed',
  'ExecutionTimedOut',
  'ExecutionAborted',
]);

export function indexHistory(events: readonly ArchivedHistoryEvent[]): HistoryIndex {
  const index: HistoryIndex = {
    entered: [],
    exited: [],
    taskResults: [],
    failures: [],
    callbacks: [],
    startedInput: undefined,
    succeededOutput: undefined,
  };
  const stateOfEvent = new Map<number, string | null>();
  let lastEntered: string | null = null;

  for (const event of events) {
    const details = detailsOf(event);
    const at = event.timestamp;
    let state: string | null;
    if (event.type.endsWith('StateEntered') || event.type.endsWith('StateExited')) {
      state = text(details.name) ?? null;
      if (event.type.endsWith('StateEntered') && state) lastEntered = state;
    } else {
      const previous = event.previousEventId;
      state =
        previous !== undefined && stateOfEvent.has(previous) ? stateOfEvent.get(previous)! : lastEntered;
    }
    stateOfEvent.set(event.id, state);

    if (event.type.endsWith('StateEntered') && state) {
      index.entered.push({ at, state, type: event.type.slice(0, -'StateEntered'.length) });
    } else if (event.type.endsWith('StateExited') && state) {
      index.exited.push({ at, state, output: parseJson(details.output) });
    }
    switch (event.type) {
      case 'ExecutionStarted':
        index.startedInput = text(details.input);
        break;
      case 'ExecutionSucceeded':
        index.succeededOutput = text(details.output);
        break;
      case 'LambdaFunctionSucceeded':
        index.taskResults.push({ at, state, output: parseJson(details.output) });
        break;
      case 'TaskScheduled':
        index.callbacks.push({
          at,
          state,
          timeoutSeconds: numberOrNull(details.timeoutInSeconds),
          settled: null,
        });
        break;
      case 'TaskSucceeded': {
        const callback = index.callbacks.at(-1);
        // Only the first event settles a task: a success recorded after its failure or timeout
        // (the local runtime records one as the caught state exits) is not a decision.
        if (callback?.settled) break;
        const output = parseJson(details.output);
        if (callback) callback.settled = { at, state, kind: 'succeeded', output };
        index.taskResults.push({ at, state, output });
        break;
      }
    }
    if (FAILURE_TYPES.has(event.type)) {
      const failure = {
        at,
        state,
        error: text(details.error) ?? event.type,
        cause: text(details.cause) ?? '',
      };
      const callback = index.callbacks.at(-1);
      if ((event.type === 'TaskFailed' || event.type === 'TaskTimedOut') && callback && !callback.settled) {
        callback.settled = { ...failure, kind: event.type === 'TaskFailed' ? 'failed' : 'timedOut' };
      }
      index.failures.push({ ...failure, type: event.type });
    }
  }
  return index;
}

/** `TaskSucceeded` → `taskSucceededEventDetails`: where Step Functions puts each type's details. */
function detailsOf(event: ArchivedHistoryEvent): Record<string, unknown> {
  const key = `${event.type.charAt(0).toLowerCase()}${event.type.slice(1)}EventDetails`;
  const stateKey = event.type.endsWith('StateEntered')
    ? 'stateEnteredEventDetails'
    : event.type.endsWith('StateExited')
      ? 'stateExitedEventDetails'
      : key;
  const details = (event as Record<string, unknown>)[stateKey];
  return details && typeof details === 'object' ? (details as Record<string, unknown>) : {};
}

/**
 * Histories carry inputs and outputs as JSON text, which may be absent (read without execution
 * data) or cut short (truncated payloads): such a part of the story is then left out.
 */
export function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
