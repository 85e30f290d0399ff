import type { Operation, SandboxService } from './cloud';
import type { PolicyDocument } from './policy-document';
import type { GuardedResource, ResourcePolicyHolder } from './resource-policy';

/** What a resource must carry for the IAM enforcement to weigh its resource-based policy. */
export interface PolicyGuardedResource {
  arn: string;
  account: string;
  region: string;
  policy?: PolicyDocument;
}

/**
 * A sandbox store of resources that carry resource-based policies (KMS keys, Lambda functions)
 * and have no API calls of their own in the sandbox: other services use them on the caller's
 * behalf, and deployment creates them. It keeps them by ARN and counts policy changes, so that
 * the IAM enforcement never reuses a decision taken before one.
 */
export abstract class PolicyGuardedStore<R extends PolicyGuardedResource>
  implements SandboxService, ResourcePolicyHolder
{
  abstract readonly name: string;
  readonly operations: Readonly<Record<string, Operation>> = {};
  readonly mutating: ReadonlySet<string> = new Set<string>();
  generation = 0;
  protected readonly resources = new Map<string, R>();

  abstract guardedResource(arn: string, action: string): GuardedResource | undefined;

  /** The resource at `arn`, as the IAM enforcement sees it. */
  protected guarded(arn: string): GuardedResource | undefined {
    const resource = this.resources.get(arn);
    return (
      resource && {
        account: resource.account,
        arn: resource.arn,
        region: resource.region,
        policy: resource.policy,
        generation: this.generation,
      }
    );
  }
}
