import { ExecutionEventError } from '../../runtime/deployment/errors';
import { executionStatusChangeEvent } from '../../runtime/deployment/execution-status-events';
import type { ExecutionRecord } from '../../runtime/history';
import { ExecutionStatusChangeEvent } from '../../tasks/audit/archive-execution';

const EXECUTION = 'arn:aws:states:eu-west-1:222222222222:execution:warden-response:f-1';

function record(patch: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return {
    executionArn: EXECUTION,
    stateMachineArn: 'arn:aws:states:eu-west-1:222222222222:stateMachine:warden-response',
    name: 'f-1',
    status: 'RUNNING',
    startDate: '2026-03-01T10:00:00.250Z',
    input: '{"findingId":"f-1"}',
    ...patch,
  };
}

describe('executionStatusChangeEvent', () => {
  it('describes a started execution with no stop date, from its own account and Region', () => {
    const event = executionStatusChangeEvent(record(), 'e-1');

    expect(event).toMatchObject({
      id: 'e-1',
      account: '222222222222',
      region: 'eu-west-1',
      time: '2026-03-01T10:00:00Z',
      detail: { status: 'RUNNING', startDate: Date.parse('2026-03-01T10:00:00.250Z'), stopDate: null },
    });
    expect(ExecutionStatusChangeEvent.safeParse(event).success).toBe(true);
  });

  it('carries the error and cause of a failed execution, and no output', () => {
    const event = executionStatusChangeEvent(
      record({
        status: 'FAILED',
        stopDate: '2026-03-01T10:00:05.000Z',
        output: '{"ignored":true}',
        error: 'States.TaskFailed',
        cause: 'boom',
      }),
    );

    expect(event.detail).toMatchObject({
      status: 'FAILED',
      stopDate: Date.parse('2026-03-01T10:00:05.000Z'),
      output: null,
      error: 'States.TaskFailed',
      cause: 'boom',
      redriveStatus: 'REDRIVABLE',
    });
    expect(event.time).toBe('2026-03-01T10:00:05Z');
  });

  it('carries the output of a succeeded execution, which cannot be redriven', () => {
    const event = executionStatusChangeEvent(
      record({ status: 'SUCCEEDED', stopDate: '2026-03-01T10:00:05.000Z', output: '{"ok":true}' }),
    );

    expect(event.detail).toMatchObject({
      output: '{"ok":true}',
      error: null,
      cause: null,
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
    });
  });

  it('fails with ExecutionEventError on an ARN that names no execution', () => {
    expect(() =>
      executionStatusChangeEvent(record({ executionArn: 'arn:aws:states:eu-west-1:1:nope' })),
    ).toThrow(ExecutionEventError);
  });
});
