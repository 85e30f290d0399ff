import type { Operation, SandboxService } from './cloud';
import { checkPolicyDocument, type PolicyDocument } from './policy-document';
import type { GuardedResource, ResourcePolicyHolder } from './resource-policy';

/** What a resource must carry for the IAM enforcement to weigh its resource-based policy. */
export interface PolicyGuardedResource {
  arn: string;
  account: string;
  region: string;
  policy?: PolicyDocument;
  /**
   * The KMS key the service encrypts the resource's data with (a bucket's default encryption, a
   * topic's server-side encryption): the service uses it on the caller's behalf.
   */
  kmsKeyArn?: string;
}

/**
 * A sandbox store of resources that carry resource-based policies (KMS keys, Lambda functions,
 * event buses, S3 buckets, SNS topics): deployment creates them and sets their policies. It keeps
 * them by ARN and counts policy changes, so that the IAM enforcement never reuses a decision taken
 * before one. A store with API calls of its own (SNS) declares its `operations` and `mutating`.
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

  /** Keeps a new resource, with `policy` when one is given (`what` names it in a policy error). */
  protected add(resource: R, policy: unknown, what: string): R {
    this.resources.set(resource.arn, resource);
    if (policy !== undefined) this.attachPolicy(resource, policy, what);
    this.generation += 1;
    return resource;
  }

  /** The resource's whole resource-based policy becomes `policy`, once it is a valid one. */
  protected attachPolicy(resource: R, policy: unknown, what: string): void {
    resource.policy = checkPolicyDocument(policy, 'resource', `policy of ${what}`);
    this.generation += 1;
  }

  /** The resource at `arn`, as the IAM enforcement sees it. */
  protected guarded(arn: string): GuardedResource | undefined {
    const resource = this.resources.get(arn);
    return (
      resource && {
        account: resource.account,
        arn: resource.arn,
        region: resource.region,
        policy: resource.policy,
        ...(resource.kmsKeyArn ? { encryptionKeyArn: resource.kmsKeyArn } : {}),
        generation: this.generation,
      }
    );
  }
}
