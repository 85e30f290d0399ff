/**
 * Step Functions' limits that the local engine enforces, so that a workflow which would fail in
 * AWS fails here too ("Step Functions service quotas"; "Handling errors in Step Functions
 * workflows"):
 * - 256 KiB, counted in UTF-8 bytes, for every state's input and output, a task's payload after
 *   Parameters, and the output SendTaskSuccess sends. Exceeding it is `States.DataLimitExceeded`,
 *   a terminal error that `States.ALL` does not catch: the execution fails.
 * - 25,000 events in one execution's history. When 24,999 are recorded, the 25,000th is the
 *   execution's end: `ExecutionSucceeded` if that is the next event, otherwise `ExecutionFailed`
 *   with `States.Runtime` and the cause below ("Starting new executions to avoid reaching the
 *   history quota", Step Functions developer guide; the error and cause as AWS reports them in
 *   the failed execution's last event).
 * - Task tokens of at most 2,048 characters.
 */
export const MAX_PAYLOAD_BYTES = 256 * 1024;
export const MAX_HISTORY_EVENTS = 25_000;
export const MAX_TASK_TOKEN_LENGTH = 2_048;

export const DATA_LIMIT_EXCEEDED = 'States.DataLimitExceeded';
export const HISTORY_LIMIT_ERROR = 'States.Runtime';
export const HISTORY_LIMIT_CAUSE = `The execution reached the maximum number of history events (${MAX_HISTORY_EVENTS}).`;

/** The size Step Functions counts: UTF-8 bytes of the JSON text. */
export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(
    typeof value === 'string' ? value : (JSON.stringify(value ?? null) ?? 'null'),
    'utf8',
  );
}

/** Why `value` is too large to be `what` (e.g. `the output of state "X"`), or undefined when it fits. */
export function dataLimitProblem(value: unknown, what: string): string | undefined {
  const bytes = payloadBytes(value);
  if (bytes <= MAX_PAYLOAD_BYTES) return undefined;
  return `${what} is ${bytes} bytes, more than the ${MAX_PAYLOAD_BYTES} bytes (256 KiB) Step Functions allows`;
}

/**
 * The paths in a Task state's Parameters where the definition asks for the task token
 * (`"key.$": "$$.Task.Token"`), as key lists into the resolved parameters.
 */
export function taskTokenPaths(parameters: unknown, prefix: string[] = []): string[][] {
  if (!parameters || typeof parameters !== 'object' || Array.isArray(parameters)) return [];
  const paths: string[][] = [];
  for (const [key, value] of Object.entries(parameters)) {
    if (key.endsWith('.$') && value === '$$.Task.Token') paths.push([...prefix, key.slice(0, -2)]);
    else paths.push(...taskTokenPaths(value, [...prefix, key]));
  }
  return paths;
}
