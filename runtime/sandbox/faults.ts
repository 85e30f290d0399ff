import { AwsError, THROTTLING_CODE_BY_SERVICE } from './aws-error';

/**
 * Faults the sandbox cloud injects, per service and operation, for tests and benchmarks:
 * a throttling rate, a simulated latency, and a specific error on the Nth call.
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

export class FaultInjector {
  private throttles: ThrottleRule[] = [];
  private errors: (ErrorRule & { seen: number })[] = [];
  private latencies: LatencyRule[] = [];
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

  reset(seed = 1): void {
    this.throttles = [];
    this.errors = [];
    this.latencies = [];
    this.random = mulberry32(seed);
  }

  /** Throws the injected error for this call, if any. */
  check(service: string, operation: string): void {
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
