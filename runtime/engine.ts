import './polyfills';
import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { runTask, type TaskDefinition, type TaskDeps } from '../tasks/shared/task';
import { type AslDefinition, type AslState, allStates, isCallbackTask, taskIdOf } from '../workflows/asl';
import { type Clock, ManualClock, RealClock } from './clock';
import { type ExecutionRecord, type ExecutionStatus, ExecutionStore } from './history';
import { HistoryRecorder } from './history-recorder';
import {
  DATA_LIMIT_EXCEEDED,
  dataLimitProblem,
  HISTORY_LIMIT_CAUSE,
  HISTORY_LIMIT_ERROR,
  MAX_TASK_TOKEN_LENGTH,
  payloadBytes,
  taskTokenPaths,
} from './limits';
import { TaskTokenBroker } from './task-tokens';
import { type AslValidationOptions, recordValidated, wasValidated } from './validated-definitions';

/**
 * The local runtime: runs Warden's workflows — the same ASL JSON that CDK deploys — with
 * aws-local-stepfunctions, binding every Task state to its handler from `tasks/`.
 *
 * What the engine does not do by itself, the runtime adds:
 * - `.waitForTaskToken`: the context carries a placeholder token that is replaced, per call, by
 *   a fresh token from the broker; the task then waits for SendTaskSuccess/Failure or timeout;
 * - Wait states: run as tasks that sleep on the runtime's clock (real, accelerated or manual)
 *   instead of the engine's wall-clock timer; history still records them as Wait states;
 * - execution history in GetExecutionHistory's shape, and StartExecution's idempotency rules.
 */
export class RuntimeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/**
 * How the engine has asl-validator check a definition at registration. A definition accepted
 * once is not validated again (see validated-definitions.ts): the key is the definition as the
 * engine runs it.
 */
const VALIDATION: AslValidationOptions = { checkArn: false, checkPaths: true };

export interface WorkflowRegistration {
  /** State machine name, e.g. `warden-response`. */
  name: string;
  definition: AslDefinition;
  /** Every task the definition names by a `${TaskId}` placeholder. @default - none */
  tasks?: readonly TaskDefinition[];
  /**
   * Every function a deployed definition names by ARN (after definition substitution): the task
   * its code runs and the deps its environment and role give it. @default - none
   */
  functions?: ReadonlyMap<string, LocalFunction>;
  /**
   * Step Functions invokes a Lambda task with the state machine's role: called with the function's
   * ARN before each invocation of a deployed function, it throws (and so fails the task, as Step
   * Functions does) when that role may not invoke it. @default - no check (hand-wired tasks)
   */
  authorizeInvoke?: (functionArn: string) => Promise<void>;
}

/**
 * A deployed Lambda function as the local runtime runs it: its task, and its deps, built at the
 * first invocation (the cold start) from the function's own environment and role.
 */
export interface LocalFunction {
  task: TaskDefinition;
  deps: () => TaskDeps;
  /** The deployed function's ARN: what the state machine's role must be allowed to invoke. */
  arn?: string;
}

export interface RuntimeOptions {
  deps: TaskDeps;
  clock?: Clock;
  store?: ExecutionStore;
  account: string;
  region: string;
  /**
   * Milliseconds between retries. @default - the definition's intervals on a real clock,
   * divided by the factor on an accelerated one, 0 on a manual clock
   */
  retryIntervalMs?: number;
  /**
   * Called once per execution after it has ended and its last history event is recorded (the
   * local archive hooks in here). @default - nothing
   */
  onExecutionFinished?: (record: ExecutionRecord) => void;
  /**
   * Called with the execution as it is when its status changes: once RUNNING as it starts, then
   * once when it ends. Step Functions sends an event to EventBridge on each of these changes; the
   * deployed runtime hooks that in here (see execution-status-events.ts). The change is awaited
   * before the next one and before `waitFor` resolves. @default - nothing
   */
  onStatusChange?: (record: ExecutionRecord) => Promise<void>;
}

interface Registered {
  arn: string;
  name: string;
  machine: StateMachine;
  definition: AslDefinition;
  states: Map<string, AslState>;
  waitStates: Set<string>;
  bindings: Map<string, LocalFunction>;
  retryOverrides: Record<string, number | number[]>;
  authorizeInvoke?: (functionArn: string) => Promise<void>;
}

const TOKEN_PLACEHOLDER = '__WARDEN_TASK_TOKEN__';
const WAIT_RESOURCE = 'arn:aws:states:::warden-local:wait';
/** The engine's task timer uses setTimeout, which cannot wait longer than this. */
const MAX_TIMER_SECONDS = 2_147_483;

export class LocalRuntime {
  readonly clock: Clock;
  readonly store: ExecutionStore;
  readonly tokens: TaskTokenBroker;
  private readonly machines = new Map<string, Registered>();
  private readonly running = new Map<string, { abort: () => void; done: Promise<void> }>();
  private transitions = 0;
  private tasksInFlight = 0;

  constructor(private readonly options: RuntimeOptions) {
    this.clock = options.clock ?? new RealClock();
    this.store = options.store ?? new ExecutionStore();
    this.tokens = new TaskTokenBroker(this.clock);
    // A manual clock (tests) settles only once the task handlers it woke have finished.
    if (this.clock instanceof ManualClock) this.clock.watch(() => this.tasksInFlight > 0);
  }

  get deps(): TaskDeps {
    return this.options.deps;
  }

  /** State transitions (states entered) since the runtime started: Standard workflows bill per transition. */
  get stateTransitions(): number {
    return this.transitions;
  }

  stateMachineArn(name: string): string {
    return `arn:aws:states:${this.options.region}:${this.options.account}:stateMachine:${name}`;
  }

  /** Binds every Task state to its handler; a Task with no handler is an error here, not at run time. */
  register(workflow: WorkflowRegistration): string {
    const arn = this.stateMachineArn(workflow.name);
    const definition = cloneJson(workflow.definition);
    const states = allStates(definition);
    const byId = new Map((workflow.tasks ?? []).map((t) => [t.id, t]));
    const bindings = new Map<string, LocalFunction>();
    const waitStates = new Set<string>();
    for (const [name, state] of states) {
      if (state.Type === 'Wait') waitStates.add(name);
      if (state.Type !== 'Task') continue;
      const id = taskIdOf(state);
      const byArn = workflow.functions?.get(functionNameOf(state) ?? '');
      const task = id ? byId.get(id) : undefined;
      const binding = byArn ?? (task ? { task, deps: () => this.options.deps } : undefined);
      if (!binding) {
        throw new RuntimeError(
          'InvalidDefinition',
          `workflow ${workflow.name}: Task state "${name}" names ${id ? `task ${id}` : `resource ${String(functionNameOf(state) ?? state.Resource)}`}, which has no handler`,
        );
      }
      bindings.set(name, binding);
    }
    const runnable = compileWaits(definition);
    const text = JSON.stringify(runnable);
    const machine = new StateMachine(JSON.parse(text), {
      validationOptions: wasValidated(text, VALIDATION) ? { noValidate: true } : VALIDATION,
    });
    recordValidated(text, VALIDATION);
    this.machines.set(arn, {
      arn,
      name: workflow.name,
      machine,
      definition: workflow.definition,
      states,
      waitStates,
      bindings,
      retryOverrides: this.retryOverrides(states),
      authorizeInvoke: workflow.authorizeInvoke,
    });
    return arn;
  }

  definitionOf(stateMachineArn: string): AslDefinition {
    return this.machine(stateMachineArn).definition;
  }

  listStateMachines(): { stateMachineArn: string; name: string }[] {
    return [...this.machines.values()].map((m) => ({ stateMachineArn: m.arn, name: m.name }));
  }

  /** StartExecution, with Standard workflows' rules: same name and input while running → same execution. */
  start(
    stateMachineArn: string,
    input: unknown = {},
    name: string = randomUUID(),
    /** The input exactly as the caller sent it (StartExecution's `input`). @default - input as JSON */
    inputText: string = JSON.stringify(input ?? {}),
  ): { executionArn: string; startDate: string } {
    const registered = this.machine(stateMachineArn);
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
      throw new RuntimeError('InvalidName', `Invalid Name: '${name}' (1-80 letters, digits, - and _)`);
    }
    // Step Functions counts the UTF-8 bytes of what was sent, not characters after re-serialising.
    if (payloadBytes(inputText) > 256 * 1024) {
      throw new RuntimeError(
        'InvalidExecutionInput',
        `Execution input is ${payloadBytes(inputText)} bytes, larger than 256 KiB`,
      );
    }
    const executionArn = `arn:aws:states:${this.options.region}:${this.options.account}:execution:${registered.name}:${name}`;
    if (this.store.has(executionArn)) {
      const existing = this.store.get(executionArn);
      if (existing.status === 'RUNNING' && existing.input === inputText) {
        return { executionArn, startDate: existing.startDate };
      }
      throw new RuntimeError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const startDate = new Date(this.clock.now()).toISOString();
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn,
      name,
      status: 'RUNNING',
      startDate,
      input: inputText,
    };
    this.store.create(record);
    const recorder = new HistoryRecorder(
      this.store,
      executionArn,
      registered,
      this.clock,
      this.options.region,
      () => this.endAtHistoryLimit(executionArn),
    );
    recorder.started(input);
    const onStatusChange = this.options.onStatusChange;
    const runningChange = onStatusChange ? onStatusChange({ ...record }) : Promise.resolve();
    const stopped = new AbortController();
    const execution = registered.machine.run(cloneJson(input ?? {}) as never, {
      overrides: {
        taskResourceLocalHandlers: this.handlersFor(
          registered,
          executionArn,
          recorder,
          stopped.signal,
        ) as never,
        retryIntervalOverrides: registered.retryOverrides,
      },
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: executionArn,
          Name: name,
          StartTime: startDate,
          Input: input as never,
          RoleArn: 'local',
        },
        StateMachine: { Id: stateMachineArn, Name: registered.name },
        Task: { Token: TOKEN_PLACEHOLDER },
      },
    });
    const events = (async () => {
      for await (const event of execution.eventLogs) {
        if (event.type === 'StateEntered') this.transitions += 1;
        recorder.record(event);
        const detail = event as { input?: unknown; output?: unknown; state?: { name?: string } };
        const problem =
          (detail.output !== undefined &&
            dataLimitProblem(detail.output, `the output of state "${detail.state?.name ?? '?'}"`)) ||
          (detail.input !== undefined &&
            dataLimitProblem(detail.input, `the input of state "${detail.state?.name ?? '?'}"`));
        if (problem) this.terminate(executionArn, DATA_LIMIT_EXCEEDED, problem);
        if (recorder.historyFull) return;
      }
    })();
    // The event log can lag behind the result: the execution ends only once every event is
    // recorded, so that the history limit, which may fall on the last events, is applied first.
    const recorded = events.then(
      () => undefined,
      () => undefined,
    );
    const done = execution.result
      .then(
        async (output) => {
          await recorded;
          const current = this.store.get(executionArn);
          if (current.status !== 'RUNNING') return;
          this.finish(executionArn, 'SUCCEEDED', { output: JSON.stringify(output ?? null) });
        },
        async (error: Error) => {
          await recorded;
          const cause = (error.cause ?? error) as Error;
          const timedOut = error.name === 'ExecutionTimeoutError';
          this.finish(executionArn, timedOut ? 'TIMED_OUT' : 'FAILED', {
            error: timedOut ? 'States.Timeout' : cause.name,
            cause: cause.message,
          });
        },
      )
      .then(() => events)
      .then(() => runningChange)
      .then(() => onStatusChange?.(this.store.get(executionArn)))
      .then(() => this.options.onExecutionFinished?.(this.store.get(executionArn)))
      .finally(() => this.running.delete(executionArn));
    this.running.set(executionArn, {
      abort: () => {
        stopped.abort();
        execution.abort();
      },
      done,
    });
    return { executionArn, startDate };
  }

  describe(executionArn: string): ExecutionRecord {
    return this.store.get(executionArn);
  }

  list(stateMachineArn?: string, status?: ExecutionStatus): ExecutionRecord[] {
    if (stateMachineArn) this.machine(stateMachineArn);
    return this.store.list({ stateMachineArn, status });
  }

  stop(executionArn: string, error = 'States.Aborted', cause = 'stopped'): void {
    const run = this.running.get(executionArn);
    this.store.get(executionArn);
    if (!run) return;
    this.finish(executionArn, 'ABORTED', { error, cause });
    run.abort();
    this.tokens.settleAll('the execution was stopped', executionArn);
  }

  /** Resolves when the execution has ended (tests and the CLI's --once). */
  async waitFor(executionArn: string): Promise<ExecutionRecord> {
    await this.running.get(executionArn)?.done;
    return this.store.get(executionArn);
  }

  /** Resolves when no execution is running. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /** Task handlers running right now (not counting callback waits or Wait states). */
  get activeTasks(): number {
    return this.tasksInFlight;
  }

  get runningCount(): number {
    return this.running.size;
  }

  /**
   * Stops every execution, settles every pending callback token, and waits for the task handlers
   * still running: the engine's abort does not stop them, and closing what they use (dynalite)
   * under them made Ctrl-C crash with `Database is closed`.
   */
  async shutdown(): Promise<void> {
    for (const arn of [...this.running.keys()])
      this.stop(arn, 'States.Aborted', 'the local runtime shut down');
    this.tokens.settleAll();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    while (this.tasksInFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /**
   * Ends the execution with a terminal error that no Catch handles (States.DataLimitExceeded,
   * the history limit): it is FAILED at once, and the engine's run is stopped so that no
   * catcher can carry on; the error is thrown to unwind the current handler.
   */
  private terminate(executionArn: string, error: string, cause: string): never {
    this.finish(executionArn, 'FAILED', { error, cause });
    this.running.get(executionArn)?.abort();
    this.tokens.settleAll(cause, executionArn);
    throw new RuntimeError(error, cause);
  }

  /**
   * The history limit ended the execution (its last event is already recorded): it is FAILED, the
   * engine's run stops, and its callbacks are settled, as `terminate` does, without throwing.
   */
  private endAtHistoryLimit(executionArn: string): void {
    this.finish(executionArn, 'FAILED', { error: HISTORY_LIMIT_ERROR, cause: HISTORY_LIMIT_CAUSE });
    this.running.get(executionArn)?.abort();
    this.tokens.settleAll(HISTORY_LIMIT_CAUSE, executionArn);
  }

  private finish(executionArn: string, status: ExecutionStatus, patch: Partial<ExecutionRecord>): void {
    const record = this.store.get(executionArn);
    if (record.status !== 'RUNNING') return;
    this.store.update(executionArn, { status, stopDate: new Date(this.clock.now()).toISOString(), ...patch });
  }

  private machine(stateMachineArn: string): Registered {
    const registered = this.machines.get(stateMachineArn);
    if (!registered)
      throw new RuntimeError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${stateMachineArn}'`,
      );
    return registered;
  }

  private handlersFor(
    registered: Registered,
    executionArn: string,
    recorder: HistoryRecorder,
    stopped: AbortSignal,
  ) {
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    const tokenPaths = new Map<string, string[][]>();
    for (const [stateName, binding] of registered.bindings) {
      const state = registered.states.get(stateName)!;
      tokenPaths.set(
        stateName,
        taskTokenPaths(state.Parameters)
          .filter((path) => path[0] === 'Payload')
          .map((path) => path.slice(1)),
      );
      if (isCallbackTask(state)) {
        handlers[stateName] = async (input) => {
          const issued = this.tokens.issue({
            executionArn,
            stateName,
            timeoutSeconds: state.TimeoutSeconds as number | undefined,
            heartbeatSeconds: state.HeartbeatSeconds as number | undefined,
          });
          if (issued.token.length > MAX_TASK_TOKEN_LENGTH)
            throw new RuntimeError('States.Runtime', 'task token longer than 2,048 characters');
          // Only where the definition asks for $$.Task.Token; a payload string that merely equals
          // the placeholder (a finding id, say) is data and stays as it is.
          const payload = withTaskToken(input, tokenPaths.get(stateName) ?? [], issued.token);
          await this.invoke(registered, binding, payload, stateName, recorder, executionArn, false);
          recorder.taskSubmitted(stateName);
          // TaskSucceeded carries what SendTaskSuccess sent, not what the Lambda returned.
          const output = await rethrowAsTaskError(issued.result);
          recorder.taskResult(stateName, output);
          return output;
        };
      } else {
        handlers[stateName] = (input) =>
          this.invoke(registered, binding, input, stateName, recorder, executionArn);
      }
    }
    for (const stateName of registered.waitStates) {
      handlers[stateName] = async (input) => {
        const wait = input as { input: unknown; seconds?: number; timestamp?: string };
        const at =
          wait.timestamp !== undefined
            ? Date.parse(wait.timestamp)
            : this.clock.now() + (wait.seconds ?? 0) * 1000;
        if (Number.isNaN(at))
          throw new RuntimeError('States.Runtime', `Wait state "${stateName}" got an invalid timestamp`);
        // A stopped execution's waits end at once, so no timer outlives it.
        await this.clock.sleepUntil(at, stopped);
        return wait.input;
      };
    }
    return handlers;
  }

  private async invoke(
    registered: Registered,
    { task, deps, arn }: LocalFunction,
    payload: unknown,
    stateName: string,
    recorder: HistoryRecorder,
    executionArn: string,
    recordResult = true,
  ) {
    // A full history has already ended the execution: Step Functions schedules nothing more.
    if (recorder.historyFull) throw new RuntimeError(HISTORY_LIMIT_ERROR, HISTORY_LIMIT_CAUSE);
    recorder.taskStarted(stateName, payload);
    const tooLarge = dataLimitProblem(payload, `the payload of task "${stateName}"`);
    if (tooLarge) this.terminate(executionArn, DATA_LIMIT_EXCEEDED, tooLarge);
    this.tasksInFlight += 1;
    try {
      if (arn && registered.authorizeInvoke) await registered.authorizeInvoke(arn);
      const output = await runTask(task, payload, deps());
      const outputTooLarge = dataLimitProblem(output ?? null, `the output of task "${stateName}"`);
      if (outputTooLarge) this.terminate(executionArn, DATA_LIMIT_EXCEEDED, outputTooLarge);
      if (recordResult) recorder.taskResult(stateName, output);
      return output === undefined ? null : output;
    } catch (error) {
      const e = error as Error;
      // As Lambda reports a function error: errorType is the error's name, the cause its message.
      const failure = new RuntimeError(e.name || 'Error', e.message);
      recorder.taskResult(stateName, undefined, failure);
      throw failure;
    } finally {
      this.tasksInFlight -= 1;
    }
  }

  private retryOverrides(states: Map<string, AslState>): Record<string, number | number[]> {
    if (this.options.retryIntervalMs !== undefined) {
      const fixed = this.options.retryIntervalMs;
      return Object.fromEntries([...states].filter(([, s]) => s.Retry).map(([name]) => [name, fixed]));
    }
    const factor = (this.clock as { factor?: number }).factor;
    const manual = !(this.clock instanceof RealClock) && factor === undefined;
    if (!manual && factor === undefined) return {};
    return Object.fromEntries(
      [...states]
        .filter(([, s]) => s.Retry)
        .map(([name, s]) => [
          name,
          (s.Retry as { IntervalSeconds?: number }[]).map((r) =>
            manual ? 0 : ((r.IntervalSeconds ?? 1) * 1000) / factor!,
          ),
        ]),
    );
  }
}

/** Replaces each Wait state with a Task the runtime binds to a wait on its own clock. */
function compileWaits(definition: AslDefinition): AslDefinition {
  const compiled = cloneJson(definition);
  const visit = (states: Record<string, AslState>) => {
    for (const [name, state] of Object.entries(states)) {
      const processor = (state.ItemProcessor ?? state.Iterator) as AslDefinition | undefined;
      if (processor) visit(processor.States);
      for (const branch of (state.Branches as AslDefinition[] | undefined) ?? []) visit(branch.States);
      if (state.Type !== 'Task') {
        if (state.Type !== 'Wait') continue;
        const parameters: Record<string, unknown> = { 'input.$': '$' };
        if (state.Seconds !== undefined) parameters.seconds = state.Seconds;
        if (state.SecondsPath !== undefined) parameters['seconds.$'] = state.SecondsPath;
        if (state.Timestamp !== undefined) parameters.timestamp = state.Timestamp;
        if (state.TimestampPath !== undefined) parameters['timestamp.$'] = state.TimestampPath;
        states[name] = {
          Type: 'Task',
          Resource: WAIT_RESOURCE,
          Parameters: parameters,
          TimeoutSeconds: MAX_TIMER_SECONDS,
          ...pick(state, ['InputPath', 'OutputPath', 'Next', 'End', 'Comment']),
        };
        continue;
      }
      // The engine's task timer is wall-clock; callback timeouts run on the runtime's clock instead.
      if (isCallbackTask(state)) state.TimeoutSeconds = MAX_TIMER_SECONDS;
      else if (!state.TimeoutSeconds) state.TimeoutSeconds = 900;
      // The engine validates Resource as an ARN; the state is bound by name, so any ARN will do.
      const id = taskIdOf(state);
      if (id && !isCallbackTask(state))
        state.Resource = `arn:aws:lambda:us-east-1:000000000000:function:${id}`;
    }
  };
  visit(compiled.States);
  return compiled;
}

/** The function a Lambda Task state invokes: its Resource, or FunctionName for `lambda:invoke` integrations. */
function functionNameOf(state: AslState): string | undefined {
  const params = state.Parameters as { FunctionName?: unknown } | undefined;
  const integration = /^arn:[\w-]+:states:::lambda:/.test(String(state.Resource));
  const named = integration ? params?.FunctionName : state.Resource;
  return typeof named === 'string' ? named : undefined;
}

function pick(state: AslState, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => state[k] !== undefined).map((k) => [k, state[k]]));
}

/** The task's payload with the token put at each path the definition asks for it, and nowhere else. */
function withTaskToken(input: unknown, paths: string[][], token: string): unknown {
  const payload = cloneJson((input as { Payload?: unknown }).Payload);
  for (const path of paths) {
    let target = payload as Record<string, unknown> | undefined;
    for (const key of path.slice(0, -1)) target = target?.[key] as Record<string, unknown> | undefined;
    const last = path.at(-1);
    if (target && last !== undefined && target[last] === TOKEN_PLACEHOLDER) target[last] = token;
  }
  return payload;
}

async function rethrowAsTaskError(result: Promise<unknown>): Promise<unknown> {
  try {
    return await result;
  } catch (error) {
    const e = error as Error & { causeText?: string };
    throw new RuntimeError(e.name, e.causeText ?? e.message);
  }
}

/**
 * A deep copy made with JSON rather than structuredClone: the engine treats only objects whose
 * prototype is its own realm's Object.prototype as templates, and structuredClone may build
 * objects in another realm (as under jest).
 */
function cloneJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
