/**
 * Amazon States Language (JSONPath) in plain TypeScript, plus the conventions every Warden
 * workflow follows, so that the definitions stay short and uniform.
 *
 * A Lambda task names its function with a placeholder `${TaskId}` (TaskId = the task's `id` in
 * `tasks/`). CDK fills it with the function ARN through definition substitutions; the local
 * runtime binds the state to the task's handler. The JSON is the same in both places.
 */
export interface AslDefinition {
  Comment?: string;
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, AslState>;
}

export type AslState = Record<string, unknown> & { Type: string };

export const LAMBDA_INVOKE_CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

/** Errors that mean "try again later", whichever service or Lambda itself raised them. */
export const TRANSIENT_ERRORS = [
  'TransientAwsError',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  // The invocation timed out on Lambda's side; AWS lists it with the other transient Lambda errors
  // (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html).
  'Lambda.ClientExecutionTimeoutException',
];

/** Backoff with full jitter, so that a storm of executions does not retry in lockstep. */
export function transientRetry(maxAttempts = 6): Record<string, unknown> {
  return {
    ErrorEquals: TRANSIENT_ERRORS,
    IntervalSeconds: 1,
    BackoffRate: 2,
    MaxAttempts: maxAttempts,
    MaxDelaySeconds: 30,
    JitterStrategy: 'FULL',
  };
}

export interface LambdaTaskOptions {
  /** The task's id in `tasks/`; becomes the `${id}` placeholder. */
  task: string;
  /** Payload template (JSONPath `.$` keys allowed). @default - the whole state input */
  payload?: Record<string, unknown>;
  /** Where the task's result goes. @default '$' */
  resultPath?: string | null;
  next?: string;
  end?: boolean;
  retry?: Record<string, unknown>[];
  catch?: Record<string, unknown>[];
  comment?: string;
  /** For callback tasks: seconds until `States.Timeout`. */
  timeoutSeconds?: number;
}

/**
 * A Task state that invokes one of Warden's Lambda tasks by its ARN. The state's output is the
 * function's return value (placed at `resultPath`), and the history records Lambda events.
 */
export function lambdaTask(options: LambdaTaskOptions): AslState {
  return {
    Type: 'Task',
    ...(options.comment ? { Comment: options.comment } : {}),
    Resource: `\${${options.task}}`,
    ...(options.payload ? { Parameters: options.payload } : {}),
    ...(options.resultPath === undefined || options.resultPath === '$'
      ? {}
      : { ResultPath: options.resultPath }),
    ...(options.timeoutSeconds ? { TimeoutSeconds: options.timeoutSeconds } : {}),
    Retry: [transientRetry(), ...(options.retry ?? [])],
    ...(options.catch ? { Catch: options.catch } : {}),
    ...(options.end ? { End: true } : { Next: options.next }),
  };
}

/**
 * A callback task: Step Functions passes `$$.Task.Token` to the Lambda task and waits until
 * someone calls SendTaskSuccess/SendTaskFailure with it, or until `timeoutSeconds` pass.
 */
export function callbackTask(options: LambdaTaskOptions & { timeoutSeconds: number }): AslState {
  return {
    Type: 'Task',
    ...(options.comment ? { Comment: options.comment } : {}),
    Resource: LAMBDA_INVOKE_CALLBACK,
    Parameters: {
      FunctionName: `\${${options.task}}`,
      Payload: { 'taskToken.$': '$$.Task.Token', ...(options.payload ?? { 'input.$': '$' }) },
    },
    TimeoutSeconds: options.timeoutSeconds,
    ...(options.resultPath === undefined ? {} : { ResultPath: options.resultPath }),
    Retry: [transientRetry(), ...(options.retry ?? [])],
    ...(options.catch ? { Catch: options.catch } : {}),
    ...(options.end ? { End: true } : { Next: options.next }),
  };
}

/** The `${Id}` placeholder a Task state names its function with, or undefined for other resources. */
export function taskIdOf(state: AslState): string | undefined {
  const params = state.Parameters as { FunctionName?: unknown } | undefined;
  const named = state.Resource === LAMBDA_INVOKE_CALLBACK ? params?.FunctionName : state.Resource;
  const match = /^\$\{([A-Za-z0-9]+)\}$/.exec(typeof named === 'string' ? named : '');
  return match?.[1];
}

export function isCallbackTask(state: AslState): boolean {
  return state.Type === 'Task' && state.Resource === LAMBDA_INVOKE_CALLBACK;
}

/** Every state of a definition, nested Map and Parallel states included, by name. */
export function allStates(definition: Pick<AslDefinition, 'States'>): Map<string, AslState> {
  const out = new Map<string, AslState>();
  const visit = (states: Record<string, AslState>) => {
    for (const [name, state] of Object.entries(states)) {
      if (out.has(name))
        throw new Error(`state name "${name}" is used twice; names must be unique in a workflow`);
      out.set(name, state);
      const processor = (state.ItemProcessor ?? state.Iterator) as AslDefinition | undefined;
      if (processor) visit(processor.States);
      for (const branch of (state.Branches as AslDefinition[] | undefined) ?? []) visit(branch.States);
    }
  };
  visit(definition.States);
  return out;
}
