import { AwsError } from './aws-error';

/**
 * AWS's wording for a request member that breaks its modelled constraint, e.g.
 * `1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: …`.
 * Query-protocol services (STS, IAM) answer it with the code `ValidationError`.
 */
export function constraintViolation(value: unknown, member: string, constraint: string): AwsError {
  return new AwsError(
    'ValidationError',
    `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

/** Checks an optional whole number against an inclusive range, in AWS's words. */
export function checkRange(value: number | undefined, member: string, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value)) throw constraintViolation(value, member, 'Member must be a whole number');
  if (value < min) {
    throw constraintViolation(value, member, `Member must have value greater than or equal to ${min}`);
  }
  if (value > max) {
    throw constraintViolation(value, member, `Member must have value less than or equal to ${max}`);
  }
}
