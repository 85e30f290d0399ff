import type { LocalRuntime } from '../engine';
import { handleSfnRequest, SFN_TARGET_PREFIX } from '../sfn-endpoint';
import { AwsError } from './aws-error';
import type { SandboxService } from './cloud';

/**
 * Step Functions as the sandbox serves it to tasks: calls made with the real SFNClient (the
 * finding intake's StartExecution, the approval page's SendTaskSuccess) reach the local runtime
 * in process, counted and fault-injected like every other sandbox call. The answers come from the
 * runtime's Step Functions endpoint, so validation and error codes are the same in both.
 */
const OPERATIONS = [
  'StartExecution',
  'DescribeExecution',
  'GetExecutionHistory',
  'StopExecution',
  'ListExecutions',
  'SendTaskSuccess',
  'SendTaskFailure',
  'SendTaskHeartbeat',
] as const;

/** Fields the JSON protocol carries as epoch seconds and the SDK hands out as Dates. */
const DATE_FIELDS = new Set(['startDate', 'stopDate', 'creationDate']);

export class SfnSandbox implements SandboxService {
  readonly name = 'sfn';
  readonly mutating = new Set([
    'StartExecution',
    'StopExecution',
    'SendTaskSuccess',
    'SendTaskFailure',
    'SendTaskHeartbeat',
  ]);
  readonly operations;

  constructor(runtime: LocalRuntime) {
    this.operations = Object.fromEntries(
      OPERATIONS.map((operation) => [
        operation,
        (input: unknown) => {
          const answer = handleSfnRequest(
            runtime,
            `${SFN_TARGET_PREFIX}${operation}`,
            JSON.stringify(input ?? {}),
          );
          const body = JSON.parse(answer.body) as Record<string, unknown>;
          if (answer.status !== 200) {
            throw new AwsError(
              String(body.__type ?? 'InternalFailure'),
              String(body.message ?? ''),
              answer.status,
            );
          }
          return withDates(body);
        },
      ]),
    );
  }
}

function withDates(value: unknown, key = ''): unknown {
  if (typeof value === 'number' && DATE_FIELDS.has(key)) return new Date(value * 1000);
  if (Array.isArray(value)) return value.map((v) => withDates(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withDates(v, k)]));
  }
  return value;
}
