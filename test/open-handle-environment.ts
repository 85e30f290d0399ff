import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import NodeEnvironment from 'jest-environment-node';

/**
 * Jest's node environment, with one check after each test file: nothing the file started may
 * still keep the process alive once the file is over (a server not closed, a socket, a child
 * process, a browser, a timer not cleared). A jest worker leaves only when nothing keeps it alive,
 * so one such handle makes jest force-exit the worker after the whole run, without saying which
 * file left it. Here the file that left it fails, with the handles named.
 *
 * Counted are the handles and timers Node reports as keeping the event loop alive
 * (`process.getActiveResourcesInfo()`: unref'd ones are not); those alive when the file started
 * (the worker's own channel to jest, a handle an earlier file left) are not the file's. Requests
 * in flight (a file system call, a DNS lookup, a write) are not counted: each ends by itself, and
 * on a loaded machine the last one of a file can outlive it by seconds (an fs request of the
 * replay test outlived the next file once).
 */
const POLL_MS = 20;
/** How long a close the file started may take to finish. @default 5000 */
const DEFAULT_SETTLE_MS = 5000;
const REQUEST = /Req|^(Write|Shutdown|Connect)Wrap$/;

type Counts = Map<string, number>;

/** Node's own list of handle objects (not typed by @types/node; present on every Node jest runs on). */
type HandleProcess = NodeJS.Process & { _getActiveHandles?: () => object[] };

export default class OpenHandleEnvironment extends NodeEnvironment {
  private readonly testPath: string;
  private readonly settleMs: number;
  private baseline: Counts = new Map();
  private baselineHandles = new Set<object>();

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.testPath = context.testPath;
    const settle = config.projectConfig.testEnvironmentOptions.openHandleSettleMs;
    this.settleMs = typeof settle === 'number' ? settle : DEFAULT_SETTLE_MS;
  }

  override async setup(): Promise<void> {
    await super.setup();
    this.baseline = countResources();
    this.baselineHandles = new Set(activeHandles());
  }

  override async teardown(): Promise<void> {
    await super.teardown();
    // A close the file started but did not wait for (a socket's end, a child's exit) gets time to finish.
    const deadline = Date.now() + this.settleMs;
    let surplus = surplusOf(countResources(), this.baseline);
    while (surplus.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      surplus = surplusOf(countResources(), this.baseline);
    }
    if (surplus.size === 0) return;
    const left = [...surplus].map(([type, count]) => `${count} × ${type}`).join(', ');
    const described = activeHandles()
      .filter((handle) => !this.baselineHandles.has(handle))
      .map(describeHandle);
    const error = new Error(
      `${this.testPath} left ${left} keeping the process alive after its last test` +
        (described.length > 0 ? `: ${described.join('; ')}` : '') +
        '. Close it in an afterAll (run the file with --detectOpenHandles to see where it was made).',
    );
    // The stack would point into this file, not at the test that left the handle.
    error.stack = `${error.name}: ${error.message}`;
    throw error;
  }
}

function countResources(): Counts {
  const counts: Counts = new Map();
  for (const type of process.getActiveResourcesInfo()) {
    if (!REQUEST.test(type)) counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}

function surplusOf(now: Counts, baseline: Counts): Counts {
  const surplus: Counts = new Map();
  for (const [type, count] of now) {
    const extra = count - (baseline.get(type) ?? 0);
    if (extra > 0) surplus.set(type, extra);
  }
  return surplus;
}

function activeHandles(): object[] {
  return (process as HandleProcess)._getActiveHandles?.() ?? [];
}

/** What a handle is, in words a reader can find in the test: the server's port, the child's command. */
function describeHandle(handle: object): string {
  const name = handle.constructor?.name ?? 'handle';
  const h = handle as {
    address?: () => unknown;
    remoteAddress?: string;
    remotePort?: number;
    spawnfile?: string;
    spawnargs?: string[];
    pid?: number;
  };
  if (h.spawnfile !== undefined) return `${name} pid ${h.pid} (${(h.spawnargs ?? [h.spawnfile]).join(' ')})`;
  if (h.remoteAddress !== undefined) return `${name} to ${h.remoteAddress}:${h.remotePort}`;
  if (typeof h.address === 'function') {
    try {
      return `${name} on ${JSON.stringify(h.address())}`;
    } catch {
      return name;
    }
  }
  return name;
}
