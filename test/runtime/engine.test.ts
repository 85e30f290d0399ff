import { z } from 'zod';
import { ManualClock, settle } from '../../runtime/clock';
import { LocalRuntime } from '../../runtime/engine';
import { defineTask, type TaskDeps } from '../../tasks/shared/task';
import { callbackTask, lambdaTask } from '../../workflows/asl';
import { bareRuntime, bareRuntimesShutAfterEach, tokenKeepingTask } from '../fixtures/engine';
import { CALLBACK_TASK_SUCCEEDED, SUCCEEDED_AT_THE_END } from '../fixtures/history-events';

const double = defineTask({
  id: 'Double',
  entry: __filename,
  input: z.object({ value: z.number() }),
  run: async ({ value }) => ({
    value: value * 2,
    until: new Date(Date.parse('2026-01-01T00:00:00Z') + 86_400_000).toISOString(),
  }),
});
const { task: askHuman, tokens } = tokenKeepingTask();
const explode = defineTask({
  id: 'Explode',
  entry: __filename,
  input: z.object({}).passthrough(),
  run: async () => {
    throw Object.assign(new Error('no room left'), { name: 'RuleBandFullError' });
  },
});

const definition = {
  StartAt: 'Double the value',
  States: {
    'Double the value': lambdaTask({ task: 'Double', next: 'Wait until the deadline' }),
    'Wait until the deadline': { Type: 'Wait', TimestampPath: '$.until', Next: 'Ask a human' },
    'Ask a human': callbackTask({
      task: 'AskHuman',
      timeoutSeconds: 3600,
      resultPath: '$.decision',
      next: 'Done',
    }),
    Done: { Type: 'Succeed' },
  },
};

const shutAfterEach = bareRuntimesShutAfterEach();

function makeRuntime(clock = new ManualClock()) {
  const runtime = shutAfterEach(clock);
  const arn = runtime.register({ name: 'demo', definition, tasks: [double, askHuman] });
  return { runtime, arn, clock };
}

describe('LocalRuntime', () => {
  beforeEach(() => {
    tokens.length = 0;
  });

  it('fails at registration when a Task state has no handler', () => {
    const runtime = new LocalRuntime({ deps: {} as TaskDeps, account: '222222222222', region: 'eu-west-1' });
    expect(() => runtime.register({ name: 'demo', definition, tasks: [double] })).toThrow(
      /Task state "Ask a human" names task AskHuman, which has no handler/,
    );
  });

  it('waits on the runtime clock and resumes a callback task with SendTaskSuccess', async () => {
    const { runtime, arn, clock } = makeRuntime();
    const { executionArn } = runtime.start(arn, { value: 21 }, 'run-1');
    await settle();
    expect(runtime.describe(executionArn).status).toBe('RUNNING');
    expect(tokens).toHaveLength(0);

    await clock.advance(86_400_000);
    await settle();
    expect(tokens).toHaveLength(1);
    runtime.tokens.succeed(tokens[0]!, { approved: true });
    const record = await runtime.waitFor(executionArn);

    expect(record.status).toBe('SUCCEEDED');
    expect(JSON.parse(record.output!)).toEqual({
      value: 42,
      until: '2026-01-02T00:00:00.000Z',
      decision: { approved: true },
    });
    const types = runtime.store.history(executionArn).map((e) => e.type);
    expect(types).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      ...CALLBACK_TASK_SUCCEEDED,
      ...SUCCEEDED_AT_THE_END,
    ]);
  });

  it('times a callback task out on the runtime clock', async () => {
    const { runtime, arn, clock } = makeRuntime();
    const { executionArn } = runtime.start(arn, { value: 1 });
    await clock.advance(86_400_000);
    await settle();
    await clock.advance(3_600_000);
    const record = await runtime.waitFor(executionArn);
    expect(record).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(runtime.store.history(executionArn).map((e) => e.type)).toContain('TaskTimedOut');
    expect(() => runtime.tokens.succeed(tokens[0]!, {})).toThrow(
      expect.objectContaining({ name: 'TaskTimedOut' }),
    );
  });

  it('fails the execution with the task error name when a task throws', async () => {
    const runtime = bareRuntime();
    const arn = runtime.register({
      name: 'boom',
      definition: { StartAt: 'Explode', States: { Explode: lambdaTask({ task: 'Explode', end: true }) } },
      tasks: [explode],
    });
    const record = await runtime.waitFor(runtime.start(arn, {}).executionArn);
    expect(record).toMatchObject({ status: 'FAILED', error: 'RuleBandFullError', cause: 'no room left' });
  });

  it('treats a repeated StartExecution with the same name and input as the same execution', () => {
    const { runtime, arn } = makeRuntime();
    const first = runtime.start(arn, { value: 1 }, 'same');
    expect(runtime.start(arn, { value: 1 }, 'same').executionArn).toBe(first.executionArn);
    expect(() => runtime.start(arn, { value: 2 }, 'same')).toThrow(
      expect.objectContaining({ name: 'ExecutionAlreadyExists' }),
    );
  });

  it('settles pending callback tokens on shutdown', async () => {
    const { runtime, arn, clock } = makeRuntime();
    const { executionArn } = runtime.start(arn, { value: 1 });
    await clock.advance(86_400_000);
    await settle();
    expect(runtime.tokens.pendingCount).toBe(1);
    await runtime.shutdown();
    expect(runtime.tokens.pendingCount).toBe(0);
    expect(runtime.describe(executionArn).status).toBe('ABORTED');
  });
});
