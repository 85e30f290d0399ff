import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  paginateGetExecutionHistory,
  paginateListExecutions,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ManualClock, settle } from '../../runtime/clock';
import type { LocalRuntime } from '../../runtime/engine';
import {
  createSfnRequestHandler,
  handleSfnRequest,
  isSfnRequest,
  type SfnEndpoint,
  startSfnEndpoint,
} from '../../runtime/sfn-endpoint';
import { callbackTask } from '../../workflows/asl';
import { bareRuntime, COUNTDOWN, tokenKeepingTask } from '../fixtures/engine';
import { CALLBACK_TASK_SUCCEEDED, SUCCEEDED_AT_THE_END } from '../fixtures/history-events';

const { task: askHuman, tokens } = tokenKeepingTask();

const approval = {
  StartAt: 'Ask a human',
  States: {
    'Ask a human': {
      ...callbackTask({ task: 'AskHuman', timeoutSeconds: 3600, resultPath: '$.decision', next: 'Done' }),
      HeartbeatSeconds: 600,
    },
    Done: { Type: 'Succeed' },
  },
};

const START = Date.parse('2026-01-01T00:00:00Z');

let runtime: LocalRuntime;
let clock: ManualClock;
let endpoint: SfnEndpoint;
let sfn: SFNClient;
let approvalArn: string;
let countdownArn: string;

beforeEach(async () => {
  tokens.length = 0;
  clock = new ManualClock(START);
  runtime = bareRuntime(clock);
  approvalArn = runtime.register({ name: 'approval', definition: approval, tasks: [askHuman] });
  countdownArn = runtime.register({ name: 'countdown', definition: COUNTDOWN, tasks: [] });
  endpoint = await startSfnEndpoint(runtime, { port: 0 });
  sfn = clientFor(endpoint.url);
});

afterEach(async () => {
  sfn.destroy();
  await endpoint.close();
  await runtime.shutdown();
});

function clientFor(url: string): SFNClient {
  return new SFNClient({
    endpoint: url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
}

async function startApproval(name?: string, input: unknown = { finding: 'f-1' }) {
  const before = tokens.length;
  const started = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: approvalArn, name, input: JSON.stringify(input) }),
  );
  for (let i = 0; i < 50 && tokens.length === before; i++) await settle();
  expect(tokens).toHaveLength(before + 1);
  return { executionArn: started.executionArn!, startDate: started.startDate!, token: tokens.at(-1)! };
}

async function errorOf(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

/** A raw POST, for what the SDK would never send. */
function post(
  url: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'AWSStepFunctions.DescribeExecution',
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('startSfnEndpoint', () => {
  describe('executions', () => {
    it('starts an execution and describes it with epoch-second dates', async () => {
      const { executionArn, startDate } = await startApproval('run-1');

      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));

      expect(executionArn).toBe('arn:aws:states:eu-west-1:222222222222:execution:approval:run-1');
      expect(startDate).toEqual(new Date(START));
      expect(described).toMatchObject({
        executionArn,
        stateMachineArn: approvalArn,
        name: 'run-1',
        status: 'RUNNING',
        startDate: new Date(START),
        input: '{"finding":"f-1"}',
      });
      expect(described.stopDate).toBeUndefined();
    });

    it('lists executions newest first across pages, with a status filter', async () => {
      const started: string[] = [];
      for (const name of ['a', 'b', 'c', 'd', 'e']) {
        started.push((await startApproval(name)).executionArn);
        await clock.advance(1000);
      }
      await sfn.send(new SendTaskSuccessCommand({ taskToken: tokens[1]!, output: '{}' }));
      await runtime.waitFor(started[1]!);

      const pages = [];
      for await (const page of paginateListExecutions(
        { client: sfn, pageSize: 2 },
        { stateMachineArn: approvalArn },
      ))
        pages.push(page);
      const succeeded = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn: approvalArn, statusFilter: 'SUCCEEDED' }),
      );
      const running = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn: approvalArn, statusFilter: 'RUNNING' }),
      );

      expect(pages.map((p) => p.executions!.map((e) => e.name))).toEqual([['e', 'd'], ['c', 'b'], ['a']]);
      expect(pages[0]!.executions![0]!.startDate).toEqual(new Date(START + 4000));
      expect(pages[1]!.executions![1]).toMatchObject({ status: 'SUCCEEDED', stopDate: expect.any(Date) });
      expect(succeeded.executions!.map((e) => e.name)).toEqual(['b']);
      expect(running.executions!.map((e) => e.name)).toEqual(['e', 'd', 'c', 'a']);
    });

    it('keeps a listing stable when executions start between its pages', async () => {
      for (const name of ['a', 'b', 'c']) {
        await startApproval(name);
        await clock.advance(1000);
      }
      const first = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn: approvalArn, maxResults: 2 }),
      );
      await startApproval('newer');

      const second = await sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: approvalArn,
          maxResults: 2,
          nextToken: first.nextToken,
        }),
      );

      expect(first.executions!.map((e) => e.name)).toEqual(['c', 'b']);
      expect(second.executions!.map((e) => e.name)).toEqual(['a']);
      expect(second.nextToken).toBeUndefined();
    });

    it('fails to list the executions of an unknown state machine', async () => {
      const error = await errorOf(
        sfn.send(
          new ListExecutionsCommand({
            stateMachineArn: 'arn:aws:states:eu-west-1:222222222222:stateMachine:nope',
          }),
        ),
      );

      expect(error.name).toBe('StateMachineDoesNotExist');
    });

    it('fails with InvalidToken for a forged nextToken or one from another listing', async () => {
      for (const name of ['a', 'b', 'c']) await startApproval(name);
      const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: approvalArn, maxResults: 1 }));

      const forged = await errorOf(
        sfn.send(new ListExecutionsCommand({ stateMachineArn: approvalArn, nextToken: 'not-a-token' })),
      );
      const tampered = await errorOf(
        sfn.send(
          new ListExecutionsCommand({ stateMachineArn: approvalArn, nextToken: `x${page.nextToken!}` }),
        ),
      );
      const otherFilter = await errorOf(
        sfn.send(
          new ListExecutionsCommand({
            stateMachineArn: approvalArn,
            statusFilter: 'RUNNING',
            nextToken: page.nextToken,
          }),
        ),
      );

      expect([forged.name, tampered.name, otherFilter.name]).toEqual([
        'InvalidToken',
        'InvalidToken',
        'InvalidToken',
      ]);
    });

    it('fails with ExecutionDoesNotExist for an unknown execution, as the SDK models it', async () => {
      const executionArn = 'arn:aws:states:eu-west-1:222222222222:execution:approval:missing';

      const error = await errorOf(sfn.send(new DescribeExecutionCommand({ executionArn })));

      expect(error).toBeInstanceOf(ExecutionDoesNotExist);
      expect(error.name).toBe('ExecutionDoesNotExist');
      expect(error.$metadata?.httpStatusCode).toBe(400);
    });

    it('fails with InvalidArn for a malformed execution ARN', async () => {
      const errors = await Promise.all(
        ['not-an-arn', approvalArn].map((executionArn) =>
          errorOf(sfn.send(new DescribeExecutionCommand({ executionArn }))),
        ),
      );

      expect(errors.map((e) => e.name)).toEqual(['InvalidArn', 'InvalidArn']);
    });

    it('fails to start with input that is not JSON', async () => {
      const error = await errorOf(
        sfn.send(new StartExecutionCommand({ stateMachineArn: approvalArn, input: '{finding:' })),
      );

      expect(error.name).toBe('InvalidExecutionInput');
      expect(runtime.list(approvalArn)).toHaveLength(0);
    });

    it('fails to start a second execution with the same name and other input', async () => {
      await startApproval('same', { finding: 'f-1' });

      const again = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: approvalArn, name: 'same', input: '{"finding":"f-1"}' }),
      );
      const error = await errorOf(
        sfn.send(
          new StartExecutionCommand({
            stateMachineArn: approvalArn,
            name: 'same',
            input: '{"finding":"f-2"}',
          }),
        ),
      );
      const badName = await errorOf(
        sfn.send(new StartExecutionCommand({ stateMachineArn: approvalArn, name: 'has space' })),
      );

      expect(again.executionArn).toMatch(/:execution:approval:same$/);
      expect(error.name).toBe('ExecutionAlreadyExists');
      expect(badName.name).toBe('InvalidName');
    });

    it('stops a running execution and settles its callback', async () => {
      const { executionArn, token } = await startApproval();
      await clock.advance(5000);

      const stopped = await sfn.send(
        new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'not needed' }),
      );
      const record = await runtime.waitFor(executionArn);
      const late = await errorOf(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));

      expect(stopped.stopDate).toEqual(new Date(START + 5000));
      expect(record).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'not needed' });
      expect(late.name).toBe('TaskTimedOut');
    });
  });

  describe('history', () => {
    it('returns the history of a finished execution, with or without execution data', async () => {
      const { executionArn, token } = await startApproval();
      await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));
      await runtime.waitFor(executionArn);

      const full = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
      const bare = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }),
      );

      expect(full.events!.map((e) => e.type)).toEqual([
        'ExecutionStarted',
        ...CALLBACK_TASK_SUCCEEDED,
        ...SUCCEEDED_AT_THE_END,
      ]);
      expect(full.events![0]!.timestamp).toEqual(new Date(START));
      expect(full.events![0]!.executionStartedEventDetails!.input).toBe('{"finding":"f-1"}');
      expect(full.events![5]!.taskSucceededEventDetails!.output).toBe('{"approved":true}');
      expect(bare.events![0]!.executionStartedEventDetails).toMatchObject({
        inputDetails: { truncated: false },
      });
      expect(bare.events![0]!.executionStartedEventDetails!.input).toBeUndefined();
      expect(bare.events![5]!.taskSucceededEventDetails!.output).toBeUndefined();
      expect(bare.events![9]!.executionSucceededEventDetails!.output).toBeUndefined();
    });

    it('pages through 24,000 events (under the 25,000 an execution may have) in order, forwards and in reverse', async () => {
      const rounds = 5999;
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: countdownArn,
          input: JSON.stringify({ n: 0, limit: rounds }),
        }),
      );
      expect((await runtime.waitFor(executionArn!)).status).toBe('SUCCEEDED');

      const forward: HistoryEvent[] = [];
      let pages = 0;
      for await (const page of paginateGetExecutionHistory({ client: sfn }, { executionArn })) {
        forward.push(...page.events!);
        pages += 1;
      }
      const reverse: HistoryEvent[] = [];
      for await (const page of paginateGetExecutionHistory(
        { client: sfn, pageSize: 1000 },
        { executionArn, reverseOrder: true },
      ))
        reverse.push(...page.events!);

      const ids = Array.from({ length: 24_000 }, (_, i) => i + 1);
      expect(pages).toBe(240);
      expect(forward.map((e) => e.id)).toEqual(ids);
      expect(forward.every((e, i) => e.previousEventId === i)).toBe(true);
      expect(forward.at(-1)!.type).toBe('ExecutionSucceeded');
      expect(reverse.map((e) => e.id)).toEqual(ids.reverse());
    });

    it('returns an empty page for an execution with no events yet', async () => {
      const executionArn = 'arn:aws:states:eu-west-1:222222222222:execution:approval:empty';
      runtime.store.create({
        executionArn,
        stateMachineArn: approvalArn,
        name: 'empty',
        status: 'RUNNING',
        startDate: new Date(START).toISOString(),
        input: '{}',
      });

      const forward = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
      const reverse = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));

      expect([forward.events, forward.nextToken]).toEqual([[], undefined]);
      expect([reverse.events, reverse.nextToken]).toEqual([[], undefined]);
    });

    it('fails with ValidationException for a page size over 1000', async () => {
      const { executionArn } = await startApproval();

      const error = await errorOf(
        sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1001 })),
      );

      expect(error.name).toBe('ValidationException');
      expect(error.message).toContain("'maxResults'");
    });

    it('fails with InvalidToken when a history token is replayed in the other order', async () => {
      const { executionArn } = await startApproval();
      const first = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 2 }));

      const error = await errorOf(
        sfn.send(
          new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, nextToken: first.nextToken }),
        ),
      );

      expect(first.nextToken).toEqual(expect.any(String));
      expect(error.name).toBe('InvalidToken');
    });
  });

  describe('task callbacks', () => {
    it('resumes a callback task with SendTaskSuccess and the execution succeeds', async () => {
      const { executionArn, token } = await startApproval();

      await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));
      const record = await runtime.waitFor(executionArn);

      expect(record.status).toBe('SUCCEEDED');
      expect(JSON.parse(record.output!)).toEqual({ finding: 'f-1', decision: { approved: true } });
    });

    it('fails the execution with the error name sent by SendTaskFailure', async () => {
      const { executionArn, token } = await startApproval();

      await sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'Rejected', cause: 'not ours' }));
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));

      expect(described).toMatchObject({ status: 'FAILED', error: 'Rejected', cause: 'not ours' });
    });

    it('keeps a callback task alive past its heartbeat interval while heartbeats arrive', async () => {
      const { executionArn, token } = await startApproval();

      await clock.advance(500_000);
      await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
      await clock.advance(500_000);
      const alive = runtime.describe(executionArn).status;
      await clock.advance(200_000);
      const record = await runtime.waitFor(executionArn);

      expect(alive).toBe('RUNNING');
      expect(record).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
    });

    it('fails with TaskTimedOut when a token is used twice', async () => {
      const { token } = await startApproval();
      await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));

      const error = await errorOf(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));

      expect(error.name).toBe('TaskTimedOut');
    });

    it('fails with TaskTimedOut for the token of a task that timed out', async () => {
      const { executionArn, token } = await startApproval();
      // Heartbeats keep HeartbeatSeconds (600) from firing first, so TimeoutSeconds (3600) does.
      for (let elapsed = 0; elapsed < 3500; elapsed += 500) {
        await clock.advance(500_000);
        await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
      }
      await clock.advance(100_000);
      const record = await runtime.waitFor(executionArn);

      const error = await errorOf(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));

      expect(record).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
      expect(error.name).toBe('TaskTimedOut');
    });

    it('fails with InvalidToken for a token the runtime never issued', async () => {
      await startApproval();

      const error = await errorOf(
        sfn.send(new SendTaskSuccessCommand({ taskToken: 'forged-token', output: '{}' })),
      );

      expect(error.name).toBe('InvalidToken');
      expect(runtime.tokens.pendingCount).toBe(1);
    });

    it('fails with InvalidOutput for output that is not JSON or is over 256 KiB, leaving the task waiting', async () => {
      const { token } = await startApproval();

      const notJson = await errorOf(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{' })));
      const tooLarge = await errorOf(
        sfn.send(
          new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify('x'.repeat(256 * 1024)) }),
        ),
      );

      expect([notJson.name, tooLarge.name]).toEqual(['InvalidOutput', 'InvalidOutput']);
      expect(runtime.tokens.pendingCount).toBe(1);
    });

    it('fails with ValidationException for an error name over 256 characters', async () => {
      const { token } = await startApproval();

      const error = await errorOf(
        sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'E'.repeat(257) })),
      );

      expect(error.name).toBe('ValidationException');
      expect(error.message).toContain("'error'");
    });
  });

  describe('state machines', () => {
    it('lists and describes the registered state machines', async () => {
      const listed = await sfn.send(new ListStateMachinesCommand({}));
      const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: approvalArn }));

      expect(listed.stateMachines!.map((m) => [m.name, m.type])).toEqual([
        ['approval', 'STANDARD'],
        ['countdown', 'STANDARD'],
      ]);
      expect(described).toMatchObject({ name: 'approval', status: 'ACTIVE', type: 'STANDARD' });
      expect(JSON.parse(described.definition!)).toEqual(approval);
    });
  });

  describe('protocol', () => {
    it('answers an unknown operation with UnknownOperationException', async () => {
      const response = await post(endpoint.url, '{}', {
        'x-amz-target': 'AWSStepFunctions.DeleteEverything',
      });

      expect(response).toEqual({
        status: 400,
        body: { __type: 'UnknownOperationException', message: expect.stringContaining('DeleteEverything') },
      });
    });

    it('answers a malformed body with SerializationException and keeps serving', async () => {
      const response = await post(endpoint.url, '{"executionArn":');
      const next = await sfn.send(new ListStateMachinesCommand({}));

      expect(response.status).toBe(400);
      expect(response.body.__type).toBe('SerializationException');
      expect(next.stateMachines).toHaveLength(2);
    });

    it('answers a missing required parameter with ValidationException naming it', async () => {
      const response = await post(endpoint.url, '{"maxResults":5}', {
        'x-amz-target': 'AWSStepFunctions.ListExecutions',
      });

      expect(response.status).toBe(400);
      expect(response.body.__type).toBe('ValidationException');
      expect(response.body.message).toContain("Value null at 'stateMachineArn'");
    });

    it('refuses a body over 1 MiB', async () => {
      const response = await post(endpoint.url, Buffer.alloc(1024 * 1024 + 1, 0x20));

      expect(response.status).toBe(413);
      expect(response.body.__type).toBe('ValidationException');
    });

    it.each([
      ['an empty query', '', 200, { records: [] }],
      ['a body that is not JSON', '{', 400, { message: 'the body must be JSON' }],
      ['a field it does not know', '{"from":"yesterday"}', 400, { message: expect.stringContaining('from') }],
      [
        'a body over 4,096 bytes',
        `{"since":"${' '.repeat(4096)}"}`,
        413,
        { message: 'the body must be at most 4096 bytes' },
      ],
    ])('answers the decisions API (POST /api/decisions) for %s', async (_, body, status, answer) => {
      const response = await fetch(`${endpoint.url}/api/decisions`, { method: 'POST', body });

      expect(response.status).toBe(status);
      expect(await response.json()).toEqual(answer);
    });

    it('refuses a request whose Host is not a loopback name', async () => {
      const response = await post(endpoint.url, '{}', { host: 'rebound.example.com' });

      expect(response.status).toBe(403);
    });

    it('serves the same operations when mounted on another server', async () => {
      const handler = createSfnRequestHandler(runtime);
      const server: Server = createServer((req, res) => {
        if (isSfnRequest(req)) return handler(req, res);
        res.writeHead(200, { 'content-type': 'text/html' }).end('<p>approval page</p>');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const mounted = clientFor(url);
      try {
        const page = await fetch(url);
        const listed = await mounted.send(new ListStateMachinesCommand({}));

        expect(await page.text()).toBe('<p>approval page</p>');
        expect(listed.stateMachines).toHaveLength(2);
      } finally {
        mounted.destroy();
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });
});

describe('handleSfnRequest', () => {
  it('answers with the status and JSON body of the operation', () => {
    const response = handleSfnRequest(runtime, 'AWSStepFunctions.ListStateMachines', '');

    expect(response.status).toBe(200);
    expect(JSON.parse(response.body).stateMachines).toHaveLength(2);
  });

  it('does not treat Object.prototype members as operations', () => {
    const response = handleSfnRequest(runtime, 'AWSStepFunctions.toString', '{}');

    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).__type).toBe('UnknownOperationException');
  });
});
