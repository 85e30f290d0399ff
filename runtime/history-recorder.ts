import type { AslState } from '../workflows/asl';
import { isCallbackTask } from '../workflows/asl';
import type { Clock } from './clock';
import type { ExecutionStore } from './history';
import { HISTORY_LIMIT_CAUSE, HISTORY_LIMIT_ERROR, MAX_HISTORY_EVENTS } from './limits';

/**
 * Turns the engine's event log, plus what the runtime sees when it calls a task, into history
 * events named and shaped as Step Functions' GetExecutionHistory returns them, so that
 * `warden audit` reads a local execution exactly as it reads one in AWS.
 */
interface EngineEvent {
  type: string;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  parentState?: { name: string };
  index?: number;
  output?: unknown;
  Error?: string;
  Cause?: unknown;
}

interface MachineView {
  states: Map<string, AslState>;
  waitStates: Set<string>;
}

export class HistoryRecorder {
  /** Raw task results per state, consumed when the state exits. */
  private readonly results = new Map<string, unknown[]>();
  /** States entered and not yet exited (by name), to place TaskSubmitted after TaskStarted. */
  private readonly open = new Map<string, number>();
  private readonly queuedSubmits = new Map<string, number>();
  /** Task states whose last attempt failed (until retried or exited through a Catch). */
  private readonly failedStates = new Set<string>();
  /** Set once the history is full: nothing more is recorded. */
  private full = false;

  constructor(
    private readonly store: ExecutionStore,
    private readonly executionArn: string,
    private readonly machine: MachineView,
    private readonly clock: Clock,
    private readonly region: string,
    /** Called once, when the history limit ends the execution. */
    private readonly onHistoryFull: () => void = () => {},
  ) {}

  /** Whether the history limit has ended the execution. */
  get historyFull(): boolean {
    return this.full;
  }

  started(input: unknown): void {
    this.add('ExecutionStarted', {
      executionStartedEventDetails: {
        input: JSON.stringify(input ?? {}),
        inputDetails: { truncated: false },
        roleArn: 'arn:aws:iam::000000000000:role/warden-local',
      },
    });
  }

  /** Called by the runtime when it invokes a task's handler. */
  taskStarted(_stateName: string, _payload: unknown): void {}

  taskResult(stateName: string, output: unknown, _error?: Error): void {
    if (output === undefined) return;
    const queue = this.results.get(stateName) ?? [];
    queue.push(output);
    this.results.set(stateName, queue);
  }

  taskSubmitted(stateName: string): void {
    if (this.open.get(stateName)) {
      this.add('TaskSubmitted', { taskSubmittedEventDetails: { ...this.callbackResource(), output: '{}' } });
    } else {
      this.queuedSubmits.set(stateName, (this.queuedSubmits.get(stateName) ?? 0) + 1);
    }
  }

  record(event: EngineEvent): void {
    switch (event.type) {
      case 'StateEntered':
        this.entered(event);
        return;
      case 'StateExited':
        this.exited(event);
        return;
      case 'StateFailed':
        this.failed(event);
        return;
      case 'StateCaught':
        return;
      case 'StateRetried':
        this.retried(event);
        return;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const details = {
          name: event.parentState?.name,
          index: event.index,
          ...(event.type === 'MapIterationFailed'
            ? { error: event.Error, cause: causeText(event.Cause) }
            : {}),
        };
        const key = `${event.type.charAt(0).toLowerCase()}${event.type.slice(1)}EventDetails`;
        return void this.add(event.type, { [key]: details });
      }
      case 'ExecutionSucceeded':
        return void this.add('ExecutionSucceeded', {
          executionSucceededEventDetails: {
            output: JSON.stringify(event.output ?? null),
            outputDetails: { truncated: false },
          },
        });
      case 'ExecutionFailed':
        return void this.add('ExecutionFailed', {
          executionFailedEventDetails: { error: event.Error, cause: causeText(event.Cause) },
        });
      case 'ExecutionAborted':
        return void this.add('ExecutionAborted', { executionAbortedEventDetails: {} });
      case 'ExecutionTimeout':
        return void this.add('ExecutionTimedOut', {
          executionTimedOutEventDetails: {
            error: 'States.Timeout',
            cause: 'the execution ran past TimeoutSeconds',
          },
        });
      default:
        return;
    }
  }

  private entered(event: EngineEvent): void {
    const state = event.state!;
    const type = this.typeOf(state.name, state.type);
    this.add(`${type}StateEntered`, {
      stateEnteredEventDetails: {
        name: state.name,
        input: JSON.stringify(state.input ?? null),
        inputDetails: { truncated: false },
      },
    });
    if (type === 'Map') this.add('MapStateStarted', { mapStateStartedEventDetails: {} });
    if (type !== 'Task') return;
    this.open.set(state.name, (this.open.get(state.name) ?? 0) + 1);
    this.scheduled(state.name, state.input);
  }

  private scheduled(name: string, input: unknown): void {
    const definition = this.machine.states.get(name)!;
    if (isCallbackTask(definition)) {
      this.add('TaskScheduled', {
        taskScheduledEventDetails: {
          ...this.callbackResource(),
          region: this.region,
          parameters: JSON.stringify(input ?? null),
          timeoutInSeconds: definition.TimeoutSeconds,
        },
      });
      this.add('TaskStarted', { taskStartedEventDetails: this.callbackResource() });
      const queued = this.queuedSubmits.get(name) ?? 0;
      if (queued > 0) {
        this.queuedSubmits.set(name, queued - 1);
        this.add('TaskSubmitted', {
          taskSubmittedEventDetails: { ...this.callbackResource(), output: '{}' },
        });
      }
    } else {
      this.add('LambdaFunctionScheduled', {
        lambdaFunctionScheduledEventDetails: {
          resource: String(definition.Resource),
          input: JSON.stringify(input ?? null),
          timeoutInSeconds: definition.TimeoutSeconds,
        },
      });
      this.add('LambdaFunctionStarted', {});
    }
  }

  /** AWS schedules the task again for each retry attempt. */
  private retried(event: EngineEvent): void {
    const state = event.state!;
    if (this.typeOf(state.name, state.type) !== 'Task') return;
    this.failedStates.delete(state.name);
    this.open.set(state.name, (this.open.get(state.name) ?? 0) + 1);
    this.scheduled(state.name, state.input);
  }

  private exited(event: EngineEvent): void {
    const state = event.state!;
    const type = this.typeOf(state.name, state.type);
    // A task whose failure a Catch handled exits without succeeding.
    if (type === 'Task' && this.failedStates.delete(state.name)) {
      this.add('TaskStateExited', {
        stateExitedEventDetails: {
          name: state.name,
          output: JSON.stringify(state.output ?? null),
          outputDetails: { truncated: false },
        },
      });
      return;
    }
    if (type === 'Task') {
      this.close(state.name);
      const raw = this.results.get(state.name)?.shift();
      const output = JSON.stringify(raw === undefined ? (state.output ?? null) : raw);
      if (isCallbackTask(this.machine.states.get(state.name)!)) {
        this.add('TaskSucceeded', { taskSucceededEventDetails: { ...this.callbackResource(), output } });
      } else {
        this.add('LambdaFunctionSucceeded', { lambdaFunctionSucceededEventDetails: { output } });
      }
    }
    if (type === 'Map') this.add('MapStateSucceeded', {});
    this.add(`${type}StateExited`, {
      stateExitedEventDetails: {
        name: state.name,
        output: JSON.stringify(state.output ?? null),
        outputDetails: { truncated: false },
      },
    });
  }

  private failed(event: EngineEvent): void {
    const state = event.state!;
    const type = this.typeOf(state.name, state.type);
    const details = { error: event.Error ?? 'States.TaskFailed', cause: causeText(event.Cause) };
    if (type === 'Task') {
      this.close(state.name);
      this.failedStates.add(state.name);
      if (isCallbackTask(this.machine.states.get(state.name)!)) {
        const timedOut = details.error === 'States.Timeout' || details.error === 'States.HeartbeatTimeout';
        this.add(timedOut ? 'TaskTimedOut' : 'TaskFailed', {
          [timedOut ? 'taskTimedOutEventDetails' : 'taskFailedEventDetails']: {
            ...this.callbackResource(),
            ...details,
          },
        });
      } else {
        this.add('LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: details });
      }
      return;
    }
    if (type === 'Map') this.add('MapStateFailed', {});
  }

  private close(name: string): void {
    const count = this.open.get(name) ?? 0;
    if (count <= 1) this.open.delete(name);
    else this.open.set(name, count - 1);
  }

  /** Wait states run as tasks inside the engine; history shows what the definition says. */
  private typeOf(name: string, engineType: string): string {
    return this.machine.waitStates.has(name) ? 'Wait' : engineType;
  }

  private callbackResource() {
    return { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' };
  }

  /**
   * Appends one event, as Step Functions does at its history limit ("Starting new executions to
   * avoid reaching the history quota", Step Functions developer guide): after 24,999 events the
   * 25,000th is the execution's end. It is `ExecutionSucceeded` when that is the next event;
   * otherwise it is `ExecutionFailed` with `States.Runtime`, and nothing after it is recorded.
   */
  private add(type: string, details: Record<string, unknown>) {
    if (this.full) return;
    const timestamp = new Date(this.clock.now()).toISOString();
    if (
      this.store.history(this.executionArn).length >= MAX_HISTORY_EVENTS - 1 &&
      type !== 'ExecutionSucceeded'
    ) {
      this.full = true;
      this.store.append(this.executionArn, {
        timestamp,
        type: 'ExecutionFailed',
        executionFailedEventDetails: { error: HISTORY_LIMIT_ERROR, cause: HISTORY_LIMIT_CAUSE },
      });
      this.onHistoryFull();
      return;
    }
    this.store.append(this.executionArn, { timestamp, type, ...details });
  }
}

function causeText(cause: unknown): string {
  if (cause === undefined || cause === null) return '';
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause);
}
