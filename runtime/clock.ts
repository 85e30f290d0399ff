/**
 * The time the local runtime runs on. Wait states, callback timeouts and the tasks' `now()` all
 * read it, so a 24-hour block expiry can pass in milliseconds:
 * - `RealClock`: wall time;
 * - `AcceleratedClock`: starts at wall time and runs `factor` times faster;
 * - `ManualClock`: stands still until a test calls `advance()` / `runUntilIdle()`.
 */
export interface Clock {
  now(): number;
  /** Resolves when the clock reaches `at` (epoch ms) or the signal aborts. */
  sleepUntil(at: number, signal?: AbortSignal): Promise<void>;
}

export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }

  sleepUntil(at: number, signal?: AbortSignal): Promise<void> {
    return realSleep(Math.max(0, at - Date.now()), signal);
  }
}

export class AcceleratedClock implements Clock {
  private readonly startReal = Date.now();
  private readonly startVirtual: number;

  constructor(
    readonly factor: number,
    start = Date.now(),
  ) {
    if (!(factor > 0)) throw new RangeError(`clock factor must be positive, got ${factor}`);
    this.startVirtual = start;
  }

  now(): number {
    return this.startVirtual + (Date.now() - this.startReal) * this.factor;
  }

  sleepUntil(at: number, signal?: AbortSignal): Promise<void> {
    return realSleep(Math.max(0, (at - this.now()) / this.factor), signal);
  }
}

interface Sleeper {
  at: number;
  seq: number;
  resolve: () => void;
}

/** Tells whether some work woken by the clock is still running in real time (awaiting I/O). */
export type BusyProbe = () => boolean;

/**
 * How long a manual clock waits, in real time, for woken work to finish before it calls the world
 * settled anyway: long enough for a task handler's DynamoDB and sandbox calls on a loaded machine,
 * short enough that a handler stuck on purpose (a fault test) does not stall the suite.
 */
const SETTLE_LIMIT_MS = 15_000;

export class ManualClock implements Clock {
  private current: number;
  private sleepers: Sleeper[] = [];
  private seq = 0;
  private readonly probes: BusyProbe[] = [];

  constructor(start = Date.parse('2026-01-01T00:00:00Z')) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleepUntil(at: number, signal?: AbortSignal): Promise<void> {
    if (at <= this.current || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper: Sleeper = { at, seq: this.seq++, resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          resolve();
        },
        { once: true },
      );
    });
  }

  /**
   * Registers work this clock waits for whenever it settles: the local runtime's task handlers,
   * which await real I/O (dynalite over loopback), so a fixed number of event-loop turns is not
   * enough on a busy machine. Returns a function that removes the probe.
   */
  watch(probe: BusyProbe): () => void {
    this.probes.push(probe);
    return () => {
      const at = this.probes.indexOf(probe);
      if (at >= 0) this.probes.splice(at, 1);
    };
  }

  /**
   * Lets the promise chains woken so far run, then waits (in real time, up to SETTLE_LIMIT_MS)
   * until no watched work is in flight, so a test reads the world after every woken task ended.
   */
  async settle(): Promise<void> {
    const deadline = Date.now() + SETTLE_LIMIT_MS;
    await settle();
    while (this.probes.some((busy) => busy()) && Date.now() < deadline) {
      await new Promise<void>((resolve) => setTimeout(resolve, 1));
      await settle();
    }
  }

  /** How many waits are pending, and when the next one is due. */
  get pending(): number {
    return this.sleepers.length;
  }

  nextDue(): number | undefined {
    return this.sleepers.length ? Math.min(...this.sleepers.map((s) => s.at)) : undefined;
  }

  /** Moves time forward by `ms`, waking every wait that falls due, in order. */
  async advance(ms: number): Promise<void> {
    if (ms < 0) throw new RangeError(`cannot move the clock backwards (${ms} ms)`);
    await this.advanceTo(this.current + ms);
  }

  async advanceTo(target: number): Promise<void> {
    for (;;) {
      const due = this.sleepers.filter((s) => s.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.current = Math.max(this.current, due.at);
      this.sleepers = this.sleepers.filter((s) => s !== due);
      due.resolve();
      await this.settle();
    }
    this.current = Math.max(this.current, target);
    await this.settle();
  }
}

/** Lets promise chains woken by the clock run before the caller looks at the result. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
