import { NamedError } from './named-error';

/**
 * Warden's error model. Each class sets `name`, which is what Step Functions sees as the error
 * of a failed task and what the workflows' Retry and Catch rules match on.
 */
export class WardenError extends NamedError {}

/** The task's input does not match its contract; never retried. */
export class InvalidInputError extends WardenError {}
/** Warden cannot assume its role in the member account (missing role or trust). */
export class MemberRoleUnavailableError extends WardenError {}
/** No free rule number in Warden's band, or the NACL's rule quota is used up. */
export class RuleBandFullError extends WardenError {}
/** Another execution took the rule number first; the workflow retries the allocation. */
export class RuleNumberTakenError extends WardenError {}
/** The resource the finding names no longer exists (instance, subnet, NACL). */
export class ResourceGoneError extends WardenError {}
/** Something changed an entry Warden relies on; Warden refuses to touch what it did not create. */
export class NotWardensEntryError extends WardenError {}
/** An execution names a finding the intake never recorded (a made-up input); never retried. */
export class UnrecordedFindingError extends WardenError {}
/** The deployment names no state machine for a workflow a task starts (a wiring mistake). */
export class MissingStateMachineError extends WardenError {}
/** Refused at the point of action: the change is not what policy and config allow. */
export class UnsafeBlockError extends WardenError {}
/**
 * The ledger row of the pair is being lifted or evicted right now; the workflow retries, and the
 * next attempt finds the pair free (or the entry gone) and blocks afresh.
 */
export class BlockInTransitionError extends WardenError {}
/** A transient AWS error that survived the SDK's own attempts; the state machine retries it. */
export class TransientAwsError extends WardenError {}

const TRANSIENT = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'Unavailable',
  'InternalServerErrorException',
  'RequestTimeout',
  'RequestTimeoutException',
  'EC2ThrottledException',
]);

/**
 * Socket-level failures, where no HTTP reply came back at all: the SDKs retry these like a 5xx
 * ("socket-level failures where no HTTP response was received (connect timeouts, read timeouts,
 * or server-closed connections)", Retries, AWS SDK documentation). SDK v3's Node handler
 * (@smithy/node-http-handler) renames ECONNRESET, EPIPE and ETIMEDOUT to `TimeoutError` and keeps
 * the system `code`; its retry classification (@smithy/core retry) treats these codes and the
 * network-unreachable ones as transient. A server that closed an idle keep-alive connection just
 * as a request went out answers so. Like a lost 5xx reply, the request may have taken effect.
 */
const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** True for AWS errors worth retrying: throttling, server faults and connections that failed. */
export function isTransient(error: unknown): boolean {
  const e = error as {
    name?: string;
    code?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
  };
  if (!e || typeof e !== 'object') return false;
  if (e.name && (TRANSIENT.has(e.name) || e.name === 'TimeoutError')) return true;
  if (typeof e.code === 'string' && NETWORK_ERROR_CODES.has(e.code)) return true;
  return e.$fault === 'server' || (e.$metadata?.httpStatusCode ?? 0) >= 500;
}

/**
 * Re-throws a transient AWS error as `TransientAwsError` so the workflows' Retry rules can name
 * one error instead of every service's spelling of "slow down"; other errors pass unchanged.
 */
export function classifyAwsError(error: unknown, doing: string): never {
  if (isTransient(error)) {
    throw new TransientAwsError(`${doing}: ${(error as Error).name}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  throw error;
}

/** A GuardDuty finding event does not match the shape Warden relies on; never retried. */
export class InvalidFindingError extends WardenError {}

/** A schema uses a zod feature that the fast path derived from it cannot run (zod-fast-path.ts). */
export class UnsupportedSchemaError extends WardenError {}
