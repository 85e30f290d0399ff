import { randomBytes } from 'node:crypto';
import type { Clock } from './clock';
import { MAX_TASK_TOKEN_LENGTH } from './limits';

/**
 * The task-token broker for `.waitForTaskToken` tasks. Each call gets a fresh, unguessable token;
 * the task waits until `SendTaskSuccess`/`SendTaskFailure` settles it, until its timeout passes on
 * the runtime's clock (`States.Timeout`), or until the runtime shuts down.
 */
export class TaskTokenError extends Error {
  constructor(
    readonly code: 'InvalidToken' | 'TaskTimedOut' | 'TaskDoesNotExist',
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** What a settled callback task throws into the state machine (its name is the ASL error). */
export class CallbackFailure extends Error {
  constructor(
    error: string,
    readonly causeText: string,
  ) {
    super(causeText);
    this.name = error;
  }
}

interface Pending {
  executionArn: string;
  stateName: string;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
  timeoutAbort: AbortController;
  heartbeatAbort?: AbortController;
  heartbeatMs?: number;
}

export interface IssuedToken {
  token: string;
  /** Settles with the output sent by `SendTaskSuccess`, or rejects with the failure or timeout. */
  result: Promise<unknown>;
}

const SETTLED_MEMORY = 10_000;

export class TaskTokenBroker {
  private readonly pending = new Map<string, Pending>();
  /** Recently settled tokens, so a late or repeated call gets TaskTimedOut instead of InvalidToken. */
  private readonly settled = new Map<string, string>();

  constructor(private readonly clock: Clock) {}

  issue(options: {
    executionArn: string;
    stateName: string;
    timeoutSeconds?: number;
    heartbeatSeconds?: number;
  }): IssuedToken {
    const token = `${randomBytes(48).toString('base64url')}`;
    let resolve!: (output: unknown) => void;
    let reject!: (error: Error) => void;
    const result = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // The state machine's timeout is what callers see; avoid unhandled rejections on shutdown.
    result.catch(() => undefined);
    const entry: Pending = {
      executionArn: options.executionArn,
      stateName: options.stateName,
      resolve,
      reject,
      timeoutAbort: new AbortController(),
      heartbeatMs: options.heartbeatSeconds ? options.heartbeatSeconds * 1000 : undefined,
    };
    this.pending.set(token, entry);
    if (options.timeoutSeconds) {
      const at = this.clock.now() + options.timeoutSeconds * 1000;
      this.clock.sleepUntil(at, entry.timeoutAbort.signal).then(() => {
        if (!entry.timeoutAbort.signal.aborted) this.settle(token, 'timed out', () => reject(timeout()));
      });
    }
    this.armHeartbeat(token, entry);
    return { token, result };
  }

  succeed(token: string, output: unknown): void {
    const entry = this.lookup(token);
    this.settle(token, 'succeeded', () => entry.resolve(output));
  }

  fail(token: string, error = 'States.TaskFailed', cause = ''): void {
    const entry = this.lookup(token);
    this.settle(token, 'failed', () => entry.reject(new CallbackFailure(error, cause)));
  }

  heartbeat(token: string): void {
    const entry = this.lookup(token);
    this.armHeartbeat(token, entry);
  }

  /** The execution a token belongs to, for callers that check ownership. */
  executionOf(token: string): string {
    return this.lookup(token).executionArn;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Settles every pending token (runtime shutdown or an execution stopped). */
  settleAll(reason = 'the runtime shut down', executionArn?: string): number {
    let count = 0;
    for (const [token, entry] of [...this.pending]) {
      if (executionArn && entry.executionArn !== executionArn) continue;
      this.settle(token, 'cancelled', () => entry.reject(new CallbackFailure('States.Runtime', reason)));
      count += 1;
    }
    return count;
  }

  private lookup(token: string): Pending {
    if (typeof token !== 'string' || token.length < 1 || token.length > MAX_TASK_TOKEN_LENGTH) {
      throw new TaskTokenError('InvalidToken', 'Invalid token');
    }
    const entry = this.pending.get(token);
    if (entry) return entry;
    if (this.settled.has(token)) {
      throw new TaskTokenError(
        'TaskTimedOut',
        `Task Timed Out: 'Provided task does not exist anymore' (${this.settled.get(token)})`,
      );
    }
    throw new TaskTokenError('InvalidToken', 'Invalid token');
  }

  private settle(token: string, how: string, action: () => void): void {
    const entry = this.pending.get(token);
    if (!entry) return;
    this.pending.delete(token);
    entry.timeoutAbort.abort();
    entry.heartbeatAbort?.abort();
    this.settled.set(token, how);
    if (this.settled.size > SETTLED_MEMORY) this.settled.delete(this.settled.keys().next().value as string);
    action();
  }

  private armHeartbeat(token: string, entry: Pending): void {
    if (!entry.heartbeatMs) return;
    entry.heartbeatAbort?.abort();
    const abort = new AbortController();
    entry.heartbeatAbort = abort;
    this.clock.sleepUntil(this.clock.now() + entry.heartbeatMs, abort.signal).then(() => {
      if (!abort.signal.aborted)
        this.settle(token, 'timed out', () =>
          entry.reject(new CallbackFailure('States.HeartbeatTimeout', 'no heartbeat in time')),
        );
    });
  }
}

function timeout(): Error {
  return new CallbackFailure('States.Timeout', 'the task did not report back before its timeout');
}
