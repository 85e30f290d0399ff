import type { CallContext } from '../cloud';
import type { SandboxKms } from '../kms';
import type { SandboxS3 } from '../s3';
import { badRequest, type Detector } from './model';

/**
 * What CreatePublishingDestination checks before GuardDuty accepts an S3 export destination:
 * "Before you start exporting the findings, the destination resource must exist", the bucket and
 * the KMS key "must belong to the same AWS Region", and their policies must let GuardDuty upload
 * objects (`s3:PutObject`, `s3:GetBucketLocation`) and encrypt them (`kms:GenerateDataKey`).
 * https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreatePublishingDestination.html
 * https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_exportfindings.html
 *
 * GuardDuty acts as the service principal `guardduty.amazonaws.com` on behalf of the detector's
 * account (`aws:SourceAccount`) and detector (`aws:SourceArn`), which the documented policies
 * use as conditions. The refusals are BadRequestException, as GuardDuty answers invalid input;
 * their wording is the sandbox's own.
 */
export const GUARDDUTY_PRINCIPAL = 'guardduty.amazonaws.com';
const S3_OBJECT = /^arn:aws[a-z-]*:s3:::([a-z0-9.-]{3,63})(\/.*)?$/;

export async function checkExportDestination(
  ctx: CallContext,
  detector: Detector,
  destinationArn: string,
  kmsKeyArn: string,
): Promise<void> {
  const s3 = registered<SandboxS3>(ctx, 's3');
  const kms = registered<SandboxKms>(ctx, 'kms');
  const [, bucketName, prefix] = S3_OBJECT.exec(destinationArn) ?? [];
  const bucket = bucketName ? s3?.bucket(bucketName) : undefined;
  if (!bucket)
    throw badRequest(
      `The request is rejected because the destination bucket ${destinationArn} does not exist.`,
    );
  const key = kms?.key(kmsKeyArn);
  if (!key) throw badRequest(`The request is rejected because the KMS key ${kmsKeyArn} does not exist.`);
  if (key.region !== bucket.region) {
    throw badRequest(
      `The request is rejected because the KMS key ${kmsKeyArn} is in ${key.region} and the bucket ${bucket.name} in ${bucket.region}; they must be in the same Region.`,
    );
  }
  const source = {
    servicePrincipal: GUARDDUTY_PRINCIPAL,
    sourceAccount: detector.account,
    sourceArn: `arn:aws:guardduty:${detector.region}:${detector.account}:detector/${detector.id}`,
  };
  const objects = `${bucket.arn}/${exportObjectKey(prefix, detector.account, detector.region, 'findings')}`;
  // GuardDuty uploads each findings object encrypted with the destination's key (SSE-KMS), so its
  // PutObject carries S3's encryption condition keys: a bucket policy that denies other uploads, as
  // the export guide recommends, still admits GuardDuty's.
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-kms-encryption.html
  const encryptedUpload = {
    's3:x-amz-server-side-encryption': 'aws:kms',
    's3:x-amz-server-side-encryption-aws-kms-key-id': key.arn,
  };
  const checks: [string, string, string, Record<string, string>?][] = [
    ['s3:GetBucketLocation', bucket.arn, `the policy of bucket ${bucket.name}`],
    ['s3:PutObject', objects, `the policy of bucket ${bucket.name}`, encryptedUpload],
    ['kms:GenerateDataKey', key.arn, `the key policy of ${key.arn}`],
  ];
  for (const [action, resource, policy, requestContext] of checks) {
    const decision = await ctx.cloud.iam.decideForService({ ...source, action, resource, requestContext });
    if (!decision.allowed) {
      throw badRequest(
        `The request is rejected because ${policy} does not allow ${GUARDDUTY_PRINCIPAL} to perform ${action}.`,
      );
    }
  }
}

/** Where GuardDuty puts exported findings in the bucket: `[prefix/]AWSLogs/<account>/GuardDuty/<region>/…`. */
export function exportObjectKey(
  prefix: string | undefined,
  account: string,
  region: string,
  name: string,
): string {
  const head = (prefix ?? '').replace(/^\//, '').replace(/\/$/, '');
  return `${head ? `${head}/` : ''}AWSLogs/${account}/GuardDuty/${region}/${name}.jsonl.gz`;
}

/**
 * GuardDuty exports a finding it generated to the publishing destinations of the detector that
 * sees it (its own account's and its administrator's in the Region), encrypted with the
 * destination's key, as long as the bucket and key policies still admit GuardDuty; a destination
 * that no longer does gets nothing. Returns where each object went.
 * https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_exportfindings.html
 */
export async function exportFinding(
  ctx: Pick<CallContext, 'cloud'>,
  detector: Detector,
  finding: { id: string; account: string; region: string; json: Record<string, unknown> },
): Promise<{ bucket: string; key: string }[]> {
  const s3 = registered<SandboxS3>(ctx as CallContext, 's3');
  const out: { bucket: string; key: string }[] = [];
  for (const destination of detector.destinations) {
    const [, bucketName, prefix] = S3_OBJECT.exec(destination.destinationArn) ?? [];
    const bucket = bucketName ? s3?.bucket(bucketName) : undefined;
    if (!s3 || !bucket) continue;
    try {
      await checkExportDestination(
        ctx as CallContext,
        detector,
        destination.destinationArn,
        destination.kmsKeyArn,
      );
    } catch {
      continue;
    }
    const key = exportObjectKey(prefix, finding.account, finding.region, finding.id);
    s3.putServiceObject(bucket.name, {
      key,
      body: `${JSON.stringify(finding.json)}\n`,
      serverSideEncryption: 'aws:kms',
      kmsKeyArn: destination.kmsKeyArn,
      writtenBy: GUARDDUTY_PRINCIPAL,
    });
    out.push({ bucket: bucket.name, key });
  }
  return out;
}

function registered<S>(ctx: CallContext, name: string): S | undefined {
  try {
    return ctx.cloud.service(name) as S;
  } catch {
    return undefined;
  }
}
