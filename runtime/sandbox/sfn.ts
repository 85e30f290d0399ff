import type { LocalRuntime } from '../engine';
import type { ExecutionRecord } from '../history';
import { AwsError } from './aws-error';
import type { SandboxService } from './cloud';

/**
 * Step Functions as the sandbox serves it to tasks: calls made with the real SFNClient (the
 * finding intake's StartExecution, the approval page's SendTaskSuccess) reach the local runtime
 * in process, and are counted and fault-injected like every other sandbox call.
 */
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
    this.operations = {
      StartExecution: (input: any) =>
        translate(() => {
          const started = runtime.start(
            input.stateMachineArn,
            parseJson(input.input ?? '{}', 'InvalidExecutionInput'),
            input.name,
          );
          return { executionArn: started.executionArn, startDate: new Date(started.startDate) };
        }),
      DescribeExecution: (input: any) => translate(() => describe(runtime.describe(input.executionArn))),
      StopExecution: (input: any) =>
        translate(() => {
          runtime.stop(input.executionArn, input.error, input.cause);
          return { stopDate: new Date(runtime.clock.now()) };
        }),
      ListExecutions: (input: any) =>
        translate(() => ({
          executions: runtime.list(input.stateMachineArn, input.statusFilter).map(describe),
        })),
      SendTaskSuccess: (input: any) =>
        translate(() => {
          runtime.tokens.succeed(input.taskToken, parseJson(input.output ?? 'null', 'InvalidOutput'));
          return {};
        }),
      SendTaskFailure: (input: any) =>
        translate(() => {
          runtime.tokens.fail(input.taskToken, input.error, input.cause);
          return {};
        }),
      SendTaskHeartbeat: (input: any) =>
        translate(() => {
          runtime.tokens.heartbeat(input.taskToken);
          return {};
        }),
    };
  }
}

function describe(record: ExecutionRecord) {
  return {
    ...record,
    startDate: new Date(record.startDate),
    stopDate: record.stopDate ? new Date(record.stopDate) : undefined,
  };
}

function parseJson(text: string, code: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AwsError(code, `${code}: not valid JSON`);
  }
}

/** Runtime errors carry Step Functions' error codes as their names. */
function translate<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (error instanceof AwsError) throw error;
    const e = error as Error;
    throw new AwsError(e.name, e.message);
  }
}
