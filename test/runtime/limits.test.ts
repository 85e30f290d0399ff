import { z } from 'zod';
import { settle } from '../../runtime/clock';
import { MAX_PAYLOAD_BYTES, payloadBytes } from '../../runtime/limits';
import { defineTask } from '../../tasks/shared/task';
import { callbackTask, lambdaTask } from '../../workflows/asl';
import { bareRuntime, bareRuntimesShutAfterEach } from '../fixtures/engine';

const huge = defineTask({
  id: 'Huge',
  entry: __filename,
  input: z.object({}).passthrough(),
  // Under 256 Ki characters, over 256 KiB in UTF-8: Step Functions counts bytes.
  run: async () => ({ text: '€'.repeat(100_000) }),
});
const seen: unknown[] = [];
const ask = defineTask({
  id: 'Ask',
  entry: __filename,
  input: z.object({ taskToken: z.string(), findingId: z.string() }),
  run: async (input) => {
    seen.push(input);
    return {};
  },
});

const catching = {
  StartAt: 'Make a huge result',
  States: {
    'Make a huge result': lambdaTask({
      task: 'Huge',
      next: 'Done',
      catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
    }),
    Caught: { Type: 'Succeed' },
    Done: { Type: 'Succeed' },
  },
};
const asking = {
  StartAt: 'Ask',
  States: {
    Ask: callbackTask({
      task: 'Ask',
      timeoutSeconds: 60,
      payload: { 'findingId.$': '$.findingId' },
      next: 'Done',
    }),
    Done: { Type: 'Succeed' },
  },
};

describe('Step Functions limits in the local engine', () => {
  const makeRuntime = bareRuntimesShutAfterEach();

  it('fails the execution with States.DataLimitExceeded, which States.ALL does not catch, for a task output over 256 KiB of UTF-8', async () => {
    const runtime = makeRuntime();
    const arn = runtime.register({ name: 'huge', definition: catching, tasks: [huge] });

    const record = await runtime.waitFor(runtime.start(arn, {}).executionArn);

    expect(payloadBytes({ text: '€'.repeat(100_000) })).toBeGreaterThan(MAX_PAYLOAD_BYTES);
    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('States.DataLimitExceeded');
  });

  it('refuses a StartExecution input over 256 KiB counted in UTF-8 bytes of what was sent (defect 12)', () => {
    const runtime = makeRuntime();
    const arn = runtime.register({ name: 'huge', definition: catching, tasks: [huge] });
    const text = JSON.stringify({ note: '€'.repeat(90_000) });

    expect(text.length).toBeLessThan(MAX_PAYLOAD_BYTES);
    expect(() => runtime.start(arn, JSON.parse(text), 'big', text)).toThrow(/larger than 256 KiB/);
  });

  it('puts the task token only where the definition asks for it, not into data equal to the placeholder (defect 10)', async () => {
    const runtime = makeRuntime();
    const arn = runtime.register({ name: 'asking', definition: asking, tasks: [ask] });

    runtime.start(arn, { findingId: '__WARDEN_TASK_TOKEN__' });
    await settle();

    expect(seen).toHaveLength(1);
    const input = seen[0] as { taskToken: string; findingId: string };
    expect(input.findingId).toBe('__WARDEN_TASK_TOKEN__');
    expect(input.taskToken).not.toBe('__WARDEN_TASK_TOKEN__');
    expect(input.taskToken.length).toBeLessThanOrEqual(2048);
  });
});

describe('shutting the local runtime down (defect 9)', () => {
  it('waits for the task handlers still running before it resolves', async () => {
    let release!: () => void;
    const slow = defineTask({
      id: 'Slow',
      entry: __filename,
      input: z.object({}).passthrough(),
      run: () =>
        new Promise<object>((resolve) => {
          release = () => resolve({});
        }),
    });
    const runtime = bareRuntime();
    const arn = runtime.register({
      name: 'slow',
      definition: { StartAt: 'Work', States: { Work: lambdaTask({ task: 'Slow', end: true }) } },
      tasks: [slow],
    });
    runtime.start(arn, {});
    await settle();
    expect(runtime.activeTasks).toBe(1);

    let closed = false;
    const shutdown = runtime.shutdown().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);
    release();
    await shutdown;

    expect(closed).toBe(true);
    expect(runtime.activeTasks).toBe(0);
  });
});
