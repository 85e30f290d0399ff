import type { PolicyDocument } from './policy-document';

/**
 * What the IAM enforcement needs to know about a resource that carries a resource-based policy
 * (an S3 bucket, a KMS key, an event bus, an SNS topic, a role's trust policy): who owns it and
 * the policy, when it has one.
 */
export interface GuardedResource {
  /** The account that owns the resource. */
  account: string;
  /** The ARN the policy is attached to (a bucket's ARN also guards its objects). */
  arn: string;
  region?: string;
  policy?: PolicyDocument;
  /** A bucket's default encryption key: S3 uses it on the caller's behalf (`kms:ViaService`). */
  encryptionKeyArn?: string;
  /** The holder's generation when the resource was looked up, for decision caching. */
  generation: number;
}

/** A sandbox service that models resources with resource-based policies. */
export interface ResourcePolicyHolder {
  /** The resource `arn` names (or lies inside) whose policy governs `action`, when the sandbox models it. */
  guardedResource(arn: string, action: string): GuardedResource | undefined;
  /** Goes up with every policy change, so that cached decisions are never reused after one. */
  readonly generation: number;
}

export function isResourcePolicyHolder(value: unknown): value is ResourcePolicyHolder {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ResourcePolicyHolder).guardedResource === 'function' &&
    typeof (value as ResourcePolicyHolder).generation === 'number'
  );
}
