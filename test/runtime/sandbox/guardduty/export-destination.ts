import type { SandboxKey } from '../../../../runtime/sandbox/kms';
import type { SandboxBucket } from '../../../../runtime/sandbox/s3';
import type { CoreServices } from '../../../../runtime/sandbox/world';

/**
 * A findings export destination as GuardDuty's documentation has it set up: a bucket whose policy
 * lets GuardDuty upload objects for `account` and a KMS key whose policy lets GuardDuty encrypt
 * them, both in `region`.
 * https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_exportfindings.html
 */
export function addFindingsExportDestination(
  services: Pick<CoreServices, 's3' | 'kms'>,
  account: string,
  region: string,
  names: { bucketName: string; keyId: string },
): { bucket: SandboxBucket; key: SandboxKey } {
  const bucketArn = `arn:aws:s3:::${names.bucketName}`;
  const fromAccount = { StringEquals: { 'aws:SourceAccount': account } };
  const guardDuty = { Service: 'guardduty.amazonaws.com' };
  const key = services.kms.createKey(account, region, {
    keyId: names.keyId,
    policy: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AccountAdministers',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
        {
          Sid: 'GuardDutyEncryptsFindings',
          Effect: 'Allow',
          Principal: guardDuty,
          Action: 'kms:GenerateDataKey',
          Resource: '*',
          Condition: fromAccount,
        },
      ],
    },
  });
  const bucket = services.s3.createBucket(account, region, names.bucketName, {
    kmsKeyArn: key.arn,
    policy: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'GuardDutyLocatesBucket',
          Effect: 'Allow',
          Principal: guardDuty,
          Action: 's3:GetBucketLocation',
          Resource: bucketArn,
          Condition: fromAccount,
        },
        {
          Sid: 'GuardDutyWritesFindings',
          Effect: 'Allow',
          Principal: guardDuty,
          Action: 's3:PutObject',
          Resource: `${bucketArn}/*`,
          Condition: fromAccount,
        },
      ],
    },
  });
  return { bucket, key };
}
