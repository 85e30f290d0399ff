import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CliError, UsageError } from '../cli-error';
import { unreachable, type WardenTarget } from './warden-target';

/**
 * Starting a workflow where Warden runs and following it to its end through the Step Functions
 * API (StartExecution, then DescribeExecution every half second): the same calls in AWS and on
 * the local runtime's endpoint.
 */
export const POLL_MS = 500;

export function timeoutOption(text: string): number {
  const seconds = Number(text);
  if (!/^\d+$/.test(text) || seconds < 1 || seconds > 86_400) {
    throw new UsageError(`--timeout must be a whole number of seconds from 1 to 86400, got ${text}`);
  }
  return seconds;
}

export async function startExecution(
  target: WardenTarget,
  client: SFNClient,
  request: { stateMachineArn: string; input: unknown; name?: string },
): Promise<string> {
  try {
    const { executionArn } = await client.send(
      new StartExecutionCommand({
        stateMachineArn: request.stateMachineArn,
        input: JSON.stringify(request.input),
        ...(request.name ? { name: request.name } : {}),
      }),
    );
    return executionArn!;
  } catch (error) {
    throw new CliError(unreachable(target, error, `starting ${request.stateMachineArn.split(':').pop()}`));
  }
}

/** Resolves with the execution once it has ended; a one-line error once `timeoutSeconds` pass. */
export async function waitForExecution(
  target: WardenTarget,
  client: SFNClient,
  executionArn: string,
  timeoutSeconds: number,
): Promise<DescribeExecutionCommandOutput> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    let execution: DescribeExecutionCommandOutput;
    try {
      execution = await client.send(new DescribeExecutionCommand({ executionArn }));
    } catch (error) {
      throw new CliError(unreachable(target, error, `following ${executionArn}`));
    }
    if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') return execution;
    if (Date.now() > deadline) {
      throw new CliError(`${executionArn} is still running after ${timeoutSeconds} s (see warden audit)`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The output of a SUCCEEDED execution, parsed; a one-line error naming how it ended otherwise. */
export function succeededOutput<T>(execution: DescribeExecutionCommandOutput, what: string): T {
  if (execution.status !== 'SUCCEEDED') {
    throw new CliError(
      `${what} ended ${execution.status}: ${[execution.error, execution.cause].filter(Boolean).join(': ')} (${execution.executionArn})`,
    );
  }
  return JSON.parse(execution.output ?? '{}') as T;
}
