import { createHash } from 'node:crypto';
import { ACCOUNT_ID } from '../../config/aws-names';
import { AwsError } from './aws-error';
import type { CallContext, Operation } from './cloud';
import type { PolicyDocument } from './policy-document';
import { PolicyGuardedStore } from './policy-guarded-store';
import type { GuardedResource } from './resource-policy';
import { SandboxSetupError } from './setup-error';

/**
 * The S3 buckets of the sandbox, as far as access to them goes: which account owns each bucket,
 * its region, its bucket policy and its default encryption key. Object operations are not
 * emulated here (`passThrough`: they go on to the configured endpoint, such as moto), but every
 * S3 call is still evaluated against the bucket policy by the cloud's IAM enforcement.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html
 */
export interface SandboxBucket {
  name: string;
  account: string;
  region: string;
  arn: string;
  policy?: PolicyDocument;
  /** The KMS key of the bucket's default encryption (SSE-KMS), if any. */
  kmsKeyArn?: string;
}

/** S3's bucket naming rules: 3–63 characters of lower-case letters, digits, dots and hyphens. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/**
 * An object an AWS service wrote into a bucket of the sandbox (GuardDuty's findings export). The
 * sandbox keeps these itself: Warden's own object calls go on to the S3 endpoint.
 */
export interface ServiceObject {
  key: string;
  body: string;
  /** `x-amz-server-side-encryption`. */
  serverSideEncryption: 'aws:kms';
  /** `x-amz-server-side-encryption-aws-kms-key-id`: the key that encrypted it. */
  kmsKeyArn: string;
  writtenBy: string;
}

const S3_ARN = /^arn:aws[a-z-]*:s3:::([^/]+)(\/.*)?$/;

export class SandboxS3 extends PolicyGuardedStore<SandboxBucket> {
  readonly name = 's3';
  override operations: Readonly<Record<string, Operation>> = {};
  override readonly mutating: ReadonlySet<string> = new Set<string>(['PutObject']);
  readonly passThrough = true;
  private readonly serviceObjects = new Map<string, ServiceObject[]>();
  private readonly objects = new Map<string, Map<string, ServiceObject>>();

  /**
   * Answers `PutObject` here instead of passing it on, for a sandbox with no object endpoint
   * (otherwise the call would leave for AWS's own S3 endpoint). The object is kept with its
   * server-side encryption: the key the request names, else the bucket's default key, as
   * PutObject does (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html,
   * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-encryption.html). IAM, the
   * bucket policy and the key's policy were evaluated before the operation runs, as for every call.
   */
  keepObjects(): void {
    this.operations = { PutObject: (input, ctx) => this.putObject(input, ctx) };
  }

  /** The objects Warden's calls put into the bucket (with `keepObjects`), by key. */
  objectsIn(bucketName: string): ServiceObject[] {
    return [...(this.objects.get(bucketName)?.values() ?? [])];
  }

  private putObject(
    input: {
      Bucket?: string;
      Key?: string;
      Body?: unknown;
      ServerSideEncryption?: string;
      SSEKMSKeyId?: string;
    },
    ctx: CallContext,
  ): Record<string, unknown> {
    const bucket = input.Bucket ? this.bucket(input.Bucket) : undefined;
    if (!bucket) {
      throw new AwsError('NoSuchBucket', `The specified bucket does not exist: ${input.Bucket}`, 404);
    }
    if (!input.Key) throw new AwsError('InvalidArgument', 'Key must be a non-empty string', 400);
    const kmsKeyArn =
      input.ServerSideEncryption === 'aws:kms' ? (input.SSEKMSKeyId ?? bucket.kmsKeyArn) : bucket.kmsKeyArn;
    if (!kmsKeyArn) {
      throw new AwsError(
        'InvalidRequest',
        `the sandbox keeps SSE-KMS objects only; ${bucket.name} has no default key and the request names none`,
        400,
      );
    }
    const body =
      typeof input.Body === 'string'
        ? input.Body
        : input.Body instanceof Uint8Array
          ? Buffer.from(input.Body).toString('utf8')
          : '';
    const kept = this.objects.get(bucket.name) ?? new Map<string, ServiceObject>();
    kept.set(input.Key, {
      key: input.Key,
      body,
      serverSideEncryption: 'aws:kms',
      kmsKeyArn,
      writtenBy: ctx.principal.arn,
    });
    this.objects.set(bucket.name, kept);
    return {
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: kmsKeyArn,
      ETag: `"${createHash('md5').update(body).digest('hex')}"`,
    };
  }

  /** What `AWS::S3::Bucket` creates; bucket names are global, as in AWS. */
  createBucket(
    account: string,
    region: string,
    name: string,
    options: { policy?: unknown; kmsKeyArn?: string } = {},
  ): SandboxBucket {
    if (!ACCOUNT_ID.test(account)) throw new SandboxSetupError(`account must be 12 digits, got '${account}'`);
    if (!BUCKET_NAME.test(name) || name.includes('..')) {
      throw new SandboxSetupError(`invalid S3 bucket name '${name}'`);
    }
    if (this.bucket(name)) throw new SandboxSetupError(`bucket ${name} already exists`);
    const bucket: SandboxBucket = { name, account, region, arn: bucketArn(name) };
    if (options.kmsKeyArn !== undefined) bucket.kmsKeyArn = options.kmsKeyArn;
    return this.add(bucket, options.policy, `bucket ${name}`);
  }

  /** `PutBucketPolicy`, and what `AWS::S3::BucketPolicy` does. */
  putBucketPolicy(name: string, policy: unknown): void {
    this.attachPolicy(this.existing(name), policy, `bucket ${name}`);
  }

  /** What a service principal's PutObject leaves in the bucket, once its policies allowed it. */
  putServiceObject(bucketName: string, object: ServiceObject): void {
    this.existing(bucketName);
    this.serviceObjects.set(bucketName, [...(this.serviceObjects.get(bucketName) ?? []), object]);
  }

  /** The objects services wrote into the bucket, oldest first. */
  serviceObjectsIn(bucketName: string): ServiceObject[] {
    return [...(this.serviceObjects.get(bucketName) ?? [])];
  }

  bucket(name: string): SandboxBucket | undefined {
    return this.resources.get(bucketArn(name));
  }

  /** The bucket an S3 ARN (of the bucket or of an object in it) names. */
  bucketOf(arn: string): SandboxBucket | undefined {
    const match = S3_ARN.exec(arn);
    return match ? this.bucket(match[1]!) : undefined;
  }

  /** A bucket's policy also guards its objects. */
  guardedResource(arn: string): GuardedResource | undefined {
    const bucket = this.bucketOf(arn);
    return bucket && this.guarded(bucket.arn);
  }

  private existing(name: string): SandboxBucket {
    const bucket = this.bucket(name);
    if (!bucket) throw new SandboxSetupError(`no bucket ${name}`);
    return bucket;
  }
}

function bucketArn(name: string): string {
  return `arn:aws:s3:::${name}`;
}
