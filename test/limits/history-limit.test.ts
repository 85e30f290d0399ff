import { HISTORY_LIMIT_CAUSE, MAX_HISTORY_EVENTS } from '../../runtime/limits';
import { bareRuntimesShutAfterEach, COUNTDOWN } from '../fixtures/engine';

/**
 * Step Functions' history limit, as AWS applies it ("Starting new executions to avoid reaching the
 * history quota", Step Functions developer guide): when an execution has 24,999 events, the
 * 25,000th ends it. If that event is `ExecutionSucceeded` the execution succeeds; otherwise
 * event 25,000 is `ExecutionFailed` with `States.Runtime` and "The execution reached the maximum
 * number of history events (25000).", and nothing after it happens.
 */
const SPIN = {
  StartAt: 'Loop',
  States: {
    Loop: {
      Type: 'Choice',
      Choices: [{ Variable: '$.spin', BooleanEquals: true, Next: 'Loop' }],
      Default: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
};

describe('the local engine at 25,000 history events', () => {
  const makeRuntime = bareRuntimesShutAfterEach();

  it('fails a loop that never ends with States.Runtime as event 25,000, the cause AWS gives, and records nothing after it', async () => {
    const runtime = makeRuntime();
    const arn = runtime.register({ name: 'spin', definition: SPIN, tasks: [] });

    const { executionArn } = runtime.start(arn, { spin: true });
    const record = await runtime.waitFor(executionArn);

    expect(record).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: HISTORY_LIMIT_CAUSE });
    expect(HISTORY_LIMIT_CAUSE).toBe('The execution reached the maximum number of history events (25000).');
    const history = runtime.store.history(executionArn);
    expect(history).toHaveLength(MAX_HISTORY_EVENTS);
    expect(history.at(-1)).toMatchObject({
      id: 25_000,
      previousEventId: 24_999,
      type: 'ExecutionFailed',
      executionFailedEventDetails: { error: 'States.Runtime', cause: HISTORY_LIMIT_CAUSE },
    });
    expect(history.at(-2)).toMatchObject({ id: 24_999, type: 'ChoiceStateExited' });
    expect(history.filter((e) => e.type.startsWith('Execution'))).toHaveLength(2);
  });

  it.each([
    // COUNTDOWN records 4 events a round and 4 around them: 6,249 rounds make 25,000 events.
    [6_249, 'SUCCEEDED', 'ExecutionSucceeded', 25_000],
    [6_250, 'FAILED', 'ExecutionFailed', 25_000],
    [6_248, 'SUCCEEDED', 'ExecutionSucceeded', 24_996],
  ])(
    'after %i rounds the execution is %s, its last event %s, numbered %i',
    async (rounds, status, last, count) => {
      const runtime = makeRuntime();
      const arn = runtime.register({ name: 'countdown', definition: COUNTDOWN, tasks: [] });

      const { executionArn } = runtime.start(arn, { n: 0, limit: rounds });
      const record = await runtime.waitFor(executionArn);

      expect(record.status).toBe(status);
      const history = runtime.store.history(executionArn);
      expect(history).toHaveLength(count);
      expect(history.at(-1)).toMatchObject({ id: count, type: last });
    },
  );
});
