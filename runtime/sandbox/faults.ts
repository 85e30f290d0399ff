import { AwsError, SERVER_ERROR_BY_SERVICE, THROTTLING_CODE_BY_SERVICE } from './aws-error';

/**
 * Faults the sandbox cloud injects, per service and operation, for tests and benchmarks:
 * a throttling rate, a simulated latency, a specific error on the Nth call, and a lost reply
 * (the operation commits, then the caller gets a server error instead of the answer).
 *
 * Randomness comes from a seeded generator so that a failing run can be repeated.
 */
export interface ThrottleRule {
  service: string;
  /** @default - every operation of the service */
  operation?: string;
  /** Share of calls answered with the service's throttling error, 0 to 1. */
  rate: number;
}

export interface ErrorRule {
  service: string;
  operation: string;
  /** 1-based index of the call (counted from when the rule was added) that fails. */
  onCall: number;
  /** @default 1 - how many calls from `onCall` on fail. */
  times?: number;
  code: string;
  message?: string;
  httpStatusCode?: number;
}

export interface LatencyRule {
  service: string;
  operation?: string;
  /** Simulated milliseconds added to the sandbox's simulated clock for each call. */
  ms: number;
  /** Really wait this long (use sparingly; benchmarks use simulated time). @default 0 */
  realMs?: number;
}

/**
 * A reply lost on its way back: the operation takes effect, the caller sees a 5xx. AWS documents
 * that a request which failed with a server error or timed out may still have succeeded, and
 * that callers make such calls idempotent or check before repeating them ("Retry behavior",
 * AWS SDKs and Tools Reference Guide; "Ensuring idempotency", Amazon EC2 API Reference). Only
 * mutating operations lose replies that matter, so only those are affected.
 */
export interface ReplyLostRule {
  service: string;
  /** @default - every mutating operation of the service */
  operation?: string;
  /** Share of calls whose reply is lost, 0 to 1. Either this or `onCall`. */
  rate?: number;
  /** 1-based index of the matching mutating call (counted from when the rule was added). */
  onCall?: number;
  /** @default 1 - how many calls from `onCall` on lose their reply. */
  times?: number;
  /**
   * How the reply is lost: a 5xx, or the connection reset with no HTTP reply at all (see
   * `connectionReset`). @default 'server-error'
   */
  as?: 'server-error' | 'connection-reset';
}

/**
 * What a scripted fault plan decides for one call (see `FaultInjector.script`).
 * `CONNECTION_RESET` resets the connection: before the call on a read, after it committed on a
 * mutating call (the request reached the service; only the reply is lost).
 */
export type ScriptedFault = 'THROTTLE' | 'SERVER_ERROR' | 'REPLY_LOST' | 'CONNECTION_RESET' | undefined;

export interface CallDescription {
  service: string;
  operation: string;
  mutating: boolean;
}

export class FaultInjector {
  private throttles: ThrottleRule[] = [];
  private errors: (ErrorRule & { seen: number })[] = [];
  private latencies: LatencyRule[] = [];
  private lostReplies: (ReplyLostRule & { seen: number })[] = [];
  private plan?: (call: CallDescription) => ScriptedFault;
  private random: () => number;

  constructor(seed = 1) {
    this.random = mulberry32(seed);
  }

  throttle(rule: ThrottleRule): this {
    if (rule.rate < 0 || rule.rate > 1)
      throw new RangeError(`throttle rate must be between 0 and 1, got ${rule.rate}`);
    this.throttles.push(rule);
    return this;
  }

  failOnCall(rule: ErrorRule): this {
    if (!Number.isInteger(rule.onCall) || rule.onCall < 1) {
      throw new RangeError(`onCall must be a whole number from 1, got ${rule.onCall}`);
    }
    this.errors.push({ ...rule, seen: 0 });
    return this;
  }

  latency(rule: LatencyRule): this {
    this.latencies.push(rule);
    return this;
  }

  replyLost(rule: ReplyLostRule): this {
    if ((rule.rate === undefined) === (rule.onCall === undefined))
      throw new RangeError('a lost-reply rule needs exactly one of rate and onCall');
    if (rule.rate !== undefined && (rule.rate < 0 || rule.rate > 1))
      throw new RangeError(`lost-reply rate must be between 0 and 1, got ${rule.rate}`);
    if (rule.onCall !== undefined && (!Number.isInteger(rule.onCall) || rule.onCall < 1))
      throw new RangeError(`onCall must be a whole number from 1, got ${rule.onCall}`);
    this.lostReplies.push({ ...rule, seen: 0 });
    return this;
  }

  /**
   * Lets a test decide each call's fault itself (property tests draw them from their seed);
   * consulted after the other rules. `undefined` removes the script.
   */
  script(plan: ((call: CallDescription) => ScriptedFault) | undefined): this {
    this.plan = plan;
    return this;
  }

  reset(seed = 1): void {
    this.throttles = [];
    this.errors = [];
    this.latencies = [];
    this.lostReplies = [];
    this.plan = undefined;
    this.random = mulberry32(seed);
  }

  /**
   * Throws the injected error for this call, if any. Returns the error to throw once the
   * operation has committed when this call's reply is to be lost (mutating calls only).
   */
  check(service: string, operation: string, mutating = false): Error | undefined {
    for (const rule of this.errors) {
      if (rule.service !== service || rule.operation !== operation) continue;
      rule.seen += 1;
      const last = rule.onCall + (rule.times ?? 1) - 1;
      if (rule.seen >= rule.onCall && rule.seen <= last) {
        throw new AwsError(rule.code, rule.message ?? `injected ${rule.code}`, rule.httpStatusCode ?? 400);
      }
    }
    for (const rule of this.throttles) {
      if (rule.service !== service || (rule.operation && rule.operation !== operation)) continue;
      if (this.random() < rule.rate) {
        const code = THROTTLING_CODE_BY_SERVICE[service] ?? 'ThrottlingException';
        throw new AwsError(code, 'Rate exceeded', code === 'RequestLimitExceeded' ? 503 : 400);
      }
    }
    const scripted = this.plan?.({ service, operation, mutating });
    if (scripted === 'THROTTLE') {
      const code = THROTTLING_CODE_BY_SERVICE[service] ?? 'ThrottlingException';
      throw new AwsError(code, 'Rate exceeded', code === 'RequestLimitExceeded' ? 503 : 400);
    }
    if (scripted === 'SERVER_ERROR') throw serverError(service);
    if (scripted === 'CONNECTION_RESET' && !mutating) throw connectionReset();
    if (!mutating) return undefined;
    if (scripted === 'REPLY_LOST') return serverError(service);
    if (scripted === 'CONNECTION_RESET') return connectionReset();
    for (const rule of this.lostReplies) {
      if (rule.service !== service || (rule.operation && rule.operation !== operation)) continue;
      rule.seen += 1;
      const lost =
        rule.rate !== undefined
          ? this.random() < rule.rate
          : rule.seen >= rule.onCall! && rule.seen <= rule.onCall! + (rule.times ?? 1) - 1;
      if (lost) return rule.as === 'connection-reset' ? connectionReset() : serverError(service);
    }
    return undefined;
  }

  latencyFor(service: string, operation: string): { simulatedMs: number; realMs: number } {
    let simulatedMs = 0;
    let realMs = 0;
    for (const rule of this.latencies) {
      if (rule.service !== service || (rule.operation && rule.operation !== operation)) continue;
      simulatedMs += rule.ms;
      realMs += rule.realMs ?? 0;
    }
    return { simulatedMs, realMs };
  }
}

/** The server error each service answers with when it fails internally. */
function serverError(service: string): AwsError {
  const code = SERVER_ERROR_BY_SERVICE[service] ?? 'InternalFailure';
  return new AwsError(code, 'We encountered an internal error. Please try again.', 500);
}

/**
 * A connection the far end reset, as the SDK reports it: no HTTP reply, so no `$metadata` status
 * and no `$fault`; the system error `read ECONNRESET` with its `code`, renamed `TimeoutError` by
 * the SDK's Node HTTP handler (@smithy/node-http-handler does so for ECONNRESET, EPIPE and
 * ETIMEDOUT). The SDKs count such socket-level failures as retryable ("Retries", AWS SDK
 * documentation), since the request may or may not have reached the service.
 */
export function connectionReset(): Error {
  return Object.assign(new Error('read ECONNRESET'), {
    name: 'TimeoutError',
    code: 'ECONNRESET',
    errno: -104,
    syscall: 'read',
  });
}

/** A small seeded PRNG; good enough to spread faults, and repeatable. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
