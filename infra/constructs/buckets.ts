import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeRule } from '../nag';

/** What every Warden bucket has: no public access, TLS only, versioning, kept on stack deletion. */
const BASELINE: s3.BucketProps = {
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  enforceSSL: true,
  versioned: true,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  removalPolicy: RemovalPolicy.RETAIN,
};

/**
 * A baseline bucket encrypted with its own KMS key (with S3 Bucket Keys, so S3 asks KMS for a data
 * key per bucket rather than per object), logging to `accessLogs` under `logPrefix`, and keeping
 * each object, and each overwritten version for a day, for `retention`.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html
 */
function keyEncryptedBucket(
  key: kms.IKey,
  accessLogs: s3.IBucket,
  logPrefix: string,
  retention: Duration,
): s3.BucketProps {
  return {
    ...BASELINE,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    bucketKeyEnabled: true,
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: logPrefix,
    lifecycleRules: [{ expiration: retention, noncurrentVersionExpiration: Duration.days(1) }],
  };
}

export interface AccessLogBucketProps {
  /** Days server access logs are kept. */
  readonly retentionDays: number;
}

/**
 * Receives the server access logs of Warden's other buckets. S3 server access logging only
 * delivers to buckets encrypted with SSE-S3, hence no KMS key here.
 */
export class AccessLogBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...BASELINE,
      encryption: s3.BucketEncryption.S3_MANAGED,
      lifecycleRules: [
        { expiration: Duration.days(props.retentionDays), noncurrentVersionExpiration: Duration.days(1) },
      ],
    });
    acknowledgeRule(this.bucket, 'S1', 'This is the access log bucket; logging it into itself would loop.');
  }
}

export interface HistoryArchiveProps {
  /** Days an archived execution history is kept (config `audit.archiveRetentionDays`). */
  readonly retentionDays: number;
  /** S3 Object Lock in COMPLIANCE mode for `retentionDays` (config `audit.objectLock`). */
  readonly objectLock: boolean;
  readonly accessLogs: s3.IBucket;
}

/**
 * Finished executions' full histories, so that they outlive Step Functions' 90 days. With object
 * lock, nobody (root included) can delete or overwrite a history before its retention ends.
 */
export class HistoryArchive extends Construct {
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: HistoryArchiveProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'Warden: encrypts archived execution histories',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const retention = Duration.days(props.retentionDays);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...keyEncryptedBucket(this.key, props.accessLogs, 'history-archive/', retention),
      ...(props.objectLock
        ? {
            objectLockEnabled: true,
            objectLockDefaultRetention: s3.ObjectLockRetention.compliance(retention),
          }
        : {}),
    });
  }
}

export interface FindingsExportProps {
  /** Regions whose GuardDuty detectors (of the security account) export here. */
  readonly regions: readonly string[];
  /** Days exported findings are kept. */
  readonly retentionDays: number;
  readonly accessLogs: s3.IBucket;
}

/**
 * The central bucket GuardDuty exports findings to (CreatePublishingDestination, called by the
 * tasks whose manifests declare FINDINGS_BUCKET_ARN / FINDINGS_KMS_KEY_ARN, which the security
 * stack sets to `bucket.bucketArn` and `key.keyArn`). GuardDuty writes as its service principal;
 * the policies follow AWS's "Attaching policy to your KMS key" and "Attaching policy to Amazon S3
 * bucket" steps (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_exportfindings.html):
 * kms:GenerateDataKey on the key, s3:GetBucketLocation and s3:PutObject on the bucket, admitted
 * only on behalf of the security account's detectors in Warden's regions (`aws:SourceAccount`,
 * `aws:SourceArn`), denying uploads without SSE-KMS or with another key, and TLS only. The bucket
 * and key live in one region, as the export requires; every Warden region exports to it.
 */
export class FindingsExport extends Construct {
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: FindingsExportProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const guardDuty = new iam.ServicePrincipal('guardduty.amazonaws.com');
    const detectors = props.regions.map(
      (region) => `arn:${stack.partition}:guardduty:${region}:${stack.account}:detector/*`,
    );
    const fromOurDetectors = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': detectors },
    };

    this.key = new kms.Key(this, 'Key', {
      description: 'Warden: encrypts GuardDuty findings exported to S3',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'GuardDutyEncryptsExportedFindings',
        principals: [guardDuty],
        actions: ['kms:GenerateDataKey'],
        resources: ['*'],
        conditions: fromOurDetectors,
      }),
    );

    this.bucket = new s3.Bucket(
      this,
      'Bucket',
      keyEncryptedBucket(this.key, props.accessLogs, 'findings-export/', Duration.days(props.retentionDays)),
    );
    const objects = this.bucket.arnForObjects('*');
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'GuardDutyGetBucketLocation',
        principals: [guardDuty],
        actions: ['s3:GetBucketLocation'],
        resources: [this.bucket.bucketArn],
        conditions: fromOurDetectors,
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'GuardDutyPutObject',
        principals: [guardDuty],
        actions: ['s3:PutObject'],
        resources: [objects],
        conditions: fromOurDetectors,
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyGuardDutyUnencryptedUploads',
        effect: iam.Effect.DENY,
        principals: [guardDuty],
        actions: ['s3:PutObject'],
        resources: [objects],
        conditions: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyGuardDutyOtherKeys',
        effect: iam.Effect.DENY,
        principals: [guardDuty],
        actions: ['s3:PutObject'],
        resources: [objects],
        conditions: {
          StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': this.key.keyArn },
        },
      }),
    );
  }
}
