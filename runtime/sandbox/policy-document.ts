import {
  validateIdentityPolicy,
  validateResourcePolicy,
  validateTrustPolicy,
} from '@cloud-copilot/iam-policy';
import { SandboxSetupError } from './setup-error';

/**
 * IAM policy documents as the sandbox stores them: the JSON AWS accepts, checked with
 * `@cloud-copilot/iam-policy` when they are set, so that a document AWS would reject
 * (`MalformedPolicyDocument`) never reaches the evaluator.
 */
export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

export type PolicyStatement = Record<string, unknown> & { Sid?: string; Effect: 'Allow' | 'Deny' };

export type PolicyKind = 'identity' | 'resource' | 'trust';

const VALIDATORS: Record<PolicyKind, (policy: unknown) => { message: string; path: string }[]> = {
  identity: validateIdentityPolicy,
  resource: validateResourcePolicy,
  trust: validateTrustPolicy,
};

/**
 * Returns `document` (parsed, when given as JSON text) once it is a valid policy of `kind`; throws
 * a SandboxSetupError naming `field` and the first problem otherwise.
 */
export function checkPolicyDocument(document: unknown, kind: PolicyKind, field: string): PolicyDocument {
  let parsed = document;
  if (typeof document === 'string') {
    try {
      parsed = JSON.parse(document);
    } catch {
      throw new SandboxSetupError(`${field} is not valid JSON: ${document.slice(0, 80)}`);
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SandboxSetupError(`${field} must be a policy document object, got ${JSON.stringify(parsed)}`);
  }
  const errors = VALIDATORS[kind](parsed);
  if (errors.length > 0) {
    const first = errors[0]!;
    throw new SandboxSetupError(`${field} is not a valid ${kind} policy: ${first.message} at ${first.path}`);
  }
  return structuredClone(parsed) as PolicyDocument;
}

/** The statements of a document as a list, whether it holds one statement or several. */
export function statementsOf(document: PolicyDocument): PolicyStatement[] {
  return Array.isArray(document.Statement) ? document.Statement : [document.Statement];
}
