import { describe, expect, it } from '@jest/globals';
import {
  archiveExecution,
  archiveExecutionTask,
  type ExecutionStatusChangeEvent,
} from '../../../tasks/audit/archive-execution';
import { archiveKey, parseArchiveKey } from '../../../tasks/shared/archive-format';
import { runTask, type TaskDeps } from '../../../tasks/shared/task';

const MACHINE = 'arn:aws:states:eu-west-1:222222222222:stateMachine:warden-response';

function makeEvent(detail: Partial<ExecutionStatusChangeEvent['detail']> = {}): ExecutionStatusChangeEvent {
  return {
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    region: 'eu-west-1',
    detail: {
      executionArn: 'arn:aws:states:eu-west-1:222222222222:execution:warden-response:f-1',
      stateMachineArn: MACHINE,
      name: 'f-1',
      status: 'SUCCEEDED',
      startDate: Date.parse('2026-03-01T10:00:00Z'),
      stopDate: Date.parse('2026-03-01T10:30:00Z'),
      ...detail,
    },
  };
}

/** No client is made in these cases: anything touching AWS would throw. */
const deps = { stateMachineArns: { response: MACHINE }, clients: {} } as unknown as TaskDeps;
const ENV = { ARCHIVE_BUCKET: 'warden-archive' };

describe('archiveExecution', () => {
  it('refuses an event that is not a Step Functions status change', async () => {
    const bad = { ...makeEvent(), 'detail-type': 'GuardDuty Finding' };

    await expect(runTask(archiveExecutionTask, bad, deps)).rejects.toMatchObject({
      name: 'InvalidInputError',
    });
  });

  it("leaves alone an execution of a state machine that is not Warden's", async () => {
    const other = 'arn:aws:states:eu-west-1:222222222222:stateMachine:someone-else';

    await expect(archiveExecution(makeEvent({ stateMachineArn: other }), deps, ENV)).resolves.toEqual({
      archived: false,
      reason: `${other} is not one of Warden's state machines`,
    });
  });

  it('waits for the execution to finish', async () => {
    await expect(archiveExecution(makeEvent({ status: 'RUNNING' }), deps, ENV)).resolves.toEqual({
      archived: false,
      reason: 'the execution is RUNNING, not finished',
    });
  });

  it('fails loudly when deployed without a bucket', async () => {
    await expect(archiveExecution(makeEvent(), deps, {})).rejects.toMatchObject({
      name: 'ArchiveNotConfiguredError',
      message: 'ARCHIVE_BUCKET is not set: there is no bucket to archive to',
    });
  });
});

describe('archiveKey', () => {
  it('files an execution under its state machine and start day (UTC)', () => {
    const key = archiveKey({
      stateMachineArn: MACHINE,
      name: 'f-1',
      startDate: '2026-03-01T23:59:59.000-02:00',
    });

    expect(key).toBe('executions/warden-response/2026/03/02/f-1.json');
    expect(parseArchiveKey(`prefix/${key}`)).toEqual({
      stateMachine: 'warden-response',
      day: '2026-03-02',
      name: 'f-1',
    });
  });
});
