import { AsyncLocalStorage } from 'node:async_hooks';
import type { LocalWarden } from '../../runtime/local-warden';
import type { CallRecord } from '../../runtime/sandbox/cloud';

/**
 * Attribution of sandbox calls to whoever made them, for the benchmarks only.
 *
 * The sandbox records every call but not on whose behalf: several executions, the intake and
 * the approval page all share one client factory. To count a critical path (the calls one Lambda
 * invocation makes before the NACL entry exists) we need to know which invocation made each call,
 * so every task handler the runtime binds runs inside an AsyncLocalStorage context, and every
 * call the sandbox records is tagged with the context it was made in. Nothing here changes what
 * the tasks do or which calls they make.
 */
export interface Invocation {
  /** Sequential number of this handler invocation (each state-machine retry is a new one). */
  seq: number;
  /** `intake`, `page` (approval page), or the execution ARN for task invocations. */
  owner: string;
  stateName?: string;
  input?: unknown;
  /** Set when the invocation threw (a state-machine Retry may follow). */
  failed?: boolean;
}

export interface CallTag {
  invocation?: Invocation;
  /** Order in which calls finished (a Lambda awaits one call before the next). */
  endedAt?: number;
}

type Handler = (input: unknown) => Promise<unknown>;
type HandlersFor = (registered: unknown, executionArn: string, recorder: unknown) => Record<string, Handler>;

export class CallAttribution {
  private readonly storage = new AsyncLocalStorage<Invocation>();
  private readonly tags = new WeakMap<CallRecord, CallTag>();
  private seq = 0;
  private ended = 0;
  /** Every handler invocation, in the order they started. */
  readonly invocations: Invocation[] = [];

  constructor(private readonly warden: LocalWarden) {
    const cloud = warden.world.cloud;
    const call = cloud.call.bind(cloud);
    // call() records synchronously before its first await, so the last record is this call's.
    cloud.call = (service, operation, input, principal, region) => {
      const pending = call(service, operation, input, principal, region);
      const record = cloud.calls[cloud.calls.length - 1]!;
      const tag: CallTag = { invocation: this.storage.getStore() };
      this.tags.set(record, tag);
      const done = () => {
        tag.endedAt = ++this.ended;
      };
      pending.then(done, done);
      return pending;
    };
    const runtime = warden.runtime as unknown as { handlersFor: HandlersFor };
    const handlersFor = runtime.handlersFor.bind(runtime);
    runtime.handlersFor = (registered, executionArn, recorder) => {
      const handlers = handlersFor(registered, executionArn, recorder);
      for (const [stateName, handler] of Object.entries(handlers)) {
        handlers[stateName] = (input) =>
          this.run({ owner: executionArn, stateName, input }, () => handler(input));
      }
      return handlers;
    };
  }

  /** Runs `fn` as one invocation: every call it makes is attributed to it. */
  run<T>(invocation: Omit<Invocation, 'seq'>, fn: () => Promise<T>): Promise<T> {
    const full: Invocation = { ...invocation, seq: ++this.seq };
    this.invocations.push(full);
    return this.storage.run(full, fn).catch((error: unknown) => {
      full.failed = true;
      throw error;
    });
  }

  tagOf(record: CallRecord): CallTag {
    return this.tags.get(record) ?? {};
  }

  /** The calls recorded from index `from` on, with their tags. */
  callsSince(from: number): (CallRecord & CallTag)[] {
    return this.warden.world.cloud.calls.slice(from).map((c) => ({ ...c, ...this.tagOf(c) }));
  }
}
