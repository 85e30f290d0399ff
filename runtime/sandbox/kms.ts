import { createHash } from 'node:crypto';
import { ACCOUNT_ID } from '../../config/aws-names';
import { checkPolicyDocument, type PolicyDocument } from './policy-document';
import { PolicyGuardedStore } from './policy-guarded-store';
import type { GuardedResource } from './resource-policy';
import { SandboxSetupError } from './setup-error';

/**
 * The KMS keys of the sandbox, as far as access to them goes: owner, region and key policy.
 * Every KMS key has exactly one key policy, and it is the primary way to control access to the
 * key: unlike other resources, IAM policies in the key's account grant nothing unless the key
 * policy allows the account to use IAM policies (`"Principal": {"AWS": "arn:aws:iam::<account>:root"}`).
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html
 * No key material exists; Warden never calls KMS itself, services use keys on its behalf.
 */
export interface SandboxKey {
  keyId: string;
  account: string;
  region: string;
  arn: string;
  policy: PolicyDocument;
}

const KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key\/([\w-]+)$/;

export class SandboxKms extends PolicyGuardedStore<SandboxKey> {
  readonly name = 'kms';

  /**
   * What `AWS::KMS::Key` creates. Without a policy the key gets KMS's default key policy, which
   * lets the account's IAM policies grant use of the key.
   * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
   */
  createKey(account: string, region: string, options: { policy?: unknown; keyId?: string } = {}): SandboxKey {
    if (!ACCOUNT_ID.test(account)) throw new SandboxSetupError(`account must be 12 digits, got '${account}'`);
    const keyId = options.keyId ?? keyIdFor(account, region, this.resources.size);
    if (!/^[\w-]{1,64}$/.test(keyId)) throw new SandboxSetupError(`invalid KMS key id '${keyId}'`);
    const arn = `arn:aws:kms:${region}:${account}:key/${keyId}`;
    if (this.resources.has(arn)) throw new SandboxSetupError(`key ${arn} already exists`);
    const policy =
      options.policy === undefined
        ? defaultKeyPolicy(account)
        : checkPolicyDocument(options.policy, 'resource', `policy of key ${keyId}`);
    const key: SandboxKey = { keyId, account, region, arn, policy };
    this.resources.set(arn, key);
    this.generation += 1;
    return key;
  }

  /** `PutKeyPolicy`. */
  putKeyPolicy(keyArn: string, policy: unknown): void {
    const key = this.key(keyArn);
    if (!key) throw new SandboxSetupError(`no key ${keyArn}`);
    key.policy = checkPolicyDocument(policy, 'resource', `policy of key ${key.keyId}`);
    this.generation += 1;
  }

  key(arn: string): SandboxKey | undefined {
    return this.resources.get(arn);
  }

  guardedResource(arn: string): GuardedResource | undefined {
    return KEY_ARN.test(arn) ? this.guarded(arn) : undefined;
  }
}

function defaultKeyPolicy(account: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
}

/** A stable key id shaped like KMS's (a UUID), so a rebuilt world gives the same ARNs. */
function keyIdFor(account: string, region: string, index: number): string {
  const hex = createHash('sha256').update(`${account}/${region}/${index}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
