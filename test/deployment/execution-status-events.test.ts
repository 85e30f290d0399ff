import { ExecutionEventError } from '../../runtime/deployment/errors';
import {
  EVENT_PAYLOAD_LIMIT_BYTES,
  executionStatusChangeEvent,
} from '../../runtime/deployment/execution-status-events';
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

  describe('leaving out input and output over 248 KiB escaped, as Step Functions does', () => {
    const succeeded = (input: string, output: string) =>
      executionStatusChangeEvent(
        record({ status: 'SUCCEEDED', stopDate: '2026-03-01T10:00:05.000Z', input, output }),
      );
    /** A JSON document whose text is `bytes` long and escapes to `bytes + 4` (its four quotes). */
    const documentOf = (bytes: number) => JSON.stringify({ p: 'x'.repeat(bytes - 8) });

    it('includes an input that escapes to exactly 248 KiB', () => {
      const input = documentOf(EVENT_PAYLOAD_LIMIT_BYTES - 4);

      const event = executionStatusChangeEvent(record({ input }));

      expect(event.detail).toMatchObject({ input, inputDetails: { included: true } });
    });

    it('leaves out an input that escapes to one byte more, with included false and input null', () => {
      const event = executionStatusChangeEvent(record({ input: documentOf(EVENT_PAYLOAD_LIMIT_BYTES - 3) }));

      expect(event.detail).toMatchObject({ input: null, inputDetails: { included: false } });
      expect(ExecutionStatusChangeEvent.safeParse(event).success).toBe(true);
    });

    it('counts the escaped text: 150 KiB of empty strings escapes to 250 KiB and is left out', () => {
      // Each `"",` (3 bytes) escapes to `\"\",` (5 bytes).
      const input = JSON.stringify(new Array(50 * 1024).fill(''));

      const event = executionStatusChangeEvent(record({ input }));

      expect(Buffer.byteLength(input)).toBeLessThan(EVENT_PAYLOAD_LIMIT_BYTES);
      expect(event.detail).toMatchObject({ input: null, inputDetails: { included: false } });
    });

    it('leaves out the input, and keeps the output, when the two together exceed 248 KiB', () => {
      const output = documentOf(200 * 1024);

      const event = succeeded(documentOf(100 * 1024), output);

      expect(event.detail).toMatchObject({
        input: null,
        inputDetails: { included: false },
        output,
        outputDetails: { included: true },
      });
    });

    it('leaves out an output over 248 KiB, and then keeps an input that fits alone', () => {
      const input = documentOf(100 * 1024);

      const event = succeeded(input, documentOf(250 * 1024));

      expect(event.detail).toMatchObject({
        input,
        inputDetails: { included: true },
        output: null,
        outputDetails: { included: false },
      });
    });
  });
});
