import type { SandboxCloud } from '../../runtime/sandbox/cloud';

/**
 * The AWS-like latencies the benchmarks turn call sequences into simulated time with.
 *
 * These are estimates, not measurements: typical same-region figures as commonly observed for
 * these services (p50-ish, not tails). They are stated in every result file so that anyone who
 * disagrees can recompute the figures from the call counts, which are measured.
 */
export const LATENCY_MODEL = {
  /** GuardDuty finding → EventBridge rule → Lambda target (AWS describes delivery as typically about half a second). */
  eventBridgeDeliveryMs: 500,
  /** A Node.js function with the AWS SDK v3, first invocation in a new container. */
  lambdaColdStartMs: 400,
  /** A warm invocation, including Step Functions' Lambda integration overhead. */
  lambdaWarmInvokeMs: 20,
  /** Step Functions Standard: moving from one state to the next. */
  stateTransitionMs: 50,
  /** Per call, by service (first match by operation, then by service). */
  calls: {
    sts: 100,
    ec2: 150,
    dynamodb: 10,
    sfn: 50,
    sns: 30,
    guardduty: 120,
    organizations: 150,
    account: 100,
    iam: 100,
    s3: 50,
  } as Record<string, number>,
  /** Operations that differ from their service's figure. */
  operations: {} as Record<string, number>,
} as const;

export function callLatencyMs(service: string, operation: string): number {
  return LATENCY_MODEL.operations[`${service}:${operation}`] ?? LATENCY_MODEL.calls[service] ?? 100;
}

/** Registers the model with the sandbox so that `cloud.simulatedMs` sums the same latencies. */
export function applyLatencyModel(cloud: SandboxCloud): void {
  for (const [service, ms] of Object.entries(LATENCY_MODEL.calls)) cloud.faults.latency({ service, ms });
}

/** The model as written to the result files. */
export function describeLatencyModel(): Record<string, unknown> {
  return {
    note: 'estimates of typical same-region AWS latencies, not measurements; simulated time = critical-path call sequence × these figures',
    eventBridgeDeliveryMs: LATENCY_MODEL.eventBridgeDeliveryMs,
    lambdaColdStartMs: LATENCY_MODEL.lambdaColdStartMs,
    lambdaWarmInvokeMs: LATENCY_MODEL.lambdaWarmInvokeMs,
    stateTransitionMs: LATENCY_MODEL.stateTransitionMs,
    callMsByService: LATENCY_MODEL.calls,
  };
}
