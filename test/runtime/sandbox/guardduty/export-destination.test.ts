import { CreatePublishingDestinationCommand, type GuardDutyClient } from '@aws-sdk/client-guardduty';
import { addFindingsExportDestination } from './export-destination';
import { createDetector, MEMBER, makeWorld, OTHER_REGION, REGION, SECURITY, withDetector } from './world';

let world: ReturnType<typeof makeWorld>;
beforeEach(() => {
  world = makeWorld();
});

const BUCKET = 'warden-findings-example';
const KEY_ID = '0f0e0d0c-0b0a-0908-0706-050403020100';

/** The security account's export bucket and key in the home region, with the policies GuardDuty needs. */
function securityDestination() {
  return addFindingsExportDestination(world, SECURITY, REGION, { bucketName: BUCKET, keyId: KEY_ID });
}

/** Replaces the bucket's policy with one that admits the security account for `action`, and not GuardDuty. */
function admitOnlyTheAccount(action: string, resource: string | string[]): void {
  world.s3.putBucketPolicy(BUCKET, {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${SECURITY}:root` },
        Action: action,
        Resource: resource,
      },
    ],
  });
}

function exportTo(client: GuardDutyClient, detectorId: string, keyArn: string, bucket = BUCKET) {
  return client.send(
    new CreatePublishingDestinationCommand({
      DetectorId: detectorId,
      DestinationType: 'S3',
      DestinationProperties: { DestinationArn: `arn:aws:s3:::${bucket}/guardduty`, KmsKeyArn: keyArn },
    }),
  );
}

describe('GuardDuty CreatePublishingDestination checks its destination', () => {
  it('accepts a bucket and key whose policies admit GuardDuty for the detector’s account', async () => {
    const { key } = securityDestination();
    const admin = world.clientOf(SECURITY);

    await expect(exportTo(admin, await createDetector(admin), key.arn)).resolves.toMatchObject({
      DestinationId: expect.any(String),
    });
  });

  it('accepts a bucket that denies uploads not encrypted with its key, since GuardDuty encrypts with it', async () => {
    const { key } = securityDestination();
    const otherKey = world.kms.createKey(SECURITY, REGION);
    const objects = `arn:aws:s3:::${BUCKET}/*`;
    const guardDuty = { Service: 'guardduty.amazonaws.com' };
    const fromOurDetectors = {
      StringEquals: { 'aws:SourceAccount': SECURITY },
      ArnLike: { 'aws:SourceArn': `arn:aws:guardduty:${REGION}:${SECURITY}:detector/*` },
    };
    const policyDenyingOtherKeys = (keyArn: string) => ({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: guardDuty,
          Action: 's3:GetBucketLocation',
          Resource: `arn:aws:s3:::${BUCKET}`,
          Condition: fromOurDetectors,
        },
        {
          Effect: 'Allow',
          Principal: guardDuty,
          Action: 's3:PutObject',
          Resource: objects,
          Condition: fromOurDetectors,
        },
        {
          Effect: 'Deny',
          Principal: guardDuty,
          Action: 's3:PutObject',
          Resource: objects,
          Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
        },
        {
          Effect: 'Deny',
          Principal: guardDuty,
          Action: 's3:PutObject',
          Resource: objects,
          Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn } },
        },
      ],
    });
    const { client: admin, detectorId } = await withDetector(world);

    world.s3.putBucketPolicy(BUCKET, policyDenyingOtherKeys(otherKey.arn));
    await expect(exportTo(admin, detectorId, key.arn)).rejects.toMatchObject({
      message: expect.stringContaining('does not allow guardduty.amazonaws.com to perform s3:PutObject'),
    });
    world.s3.putBucketPolicy(BUCKET, policyDenyingOtherKeys(key.arn));
    await expect(exportTo(admin, detectorId, key.arn)).resolves.toMatchObject({
      DestinationId: expect.any(String),
    });
  });

  it('refuses a bucket that does not exist, and adds no destination', async () => {
    const key = world.kms.createKey(SECURITY, REGION);
    const { client: admin, detectorId } = await withDetector(world);

    await expect(exportTo(admin, detectorId, key.arn)).rejects.toMatchObject({
      name: 'BadRequestException',
      message: expect.stringContaining(`destination bucket arn:aws:s3:::${BUCKET}/guardduty does not exist`),
    });
    expect(world.guardduty.detectorId(SECURITY, REGION)).toBe(detectorId);
  });

  it('refuses a key that does not exist', async () => {
    world.s3.createBucket(SECURITY, REGION, BUCKET);
    const admin = world.clientOf(SECURITY);
    const keyArn = `arn:aws:kms:${REGION}:${SECURITY}:key/${KEY_ID}`;

    await expect(exportTo(admin, await createDetector(admin), keyArn)).rejects.toMatchObject({
      name: 'BadRequestException',
      message: expect.stringContaining(`KMS key ${keyArn} does not exist`),
    });
  });

  it('refuses a bucket whose policy does not admit GuardDuty', async () => {
    const { key } = securityDestination();
    admitOnlyTheAccount('s3:*', [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`]);
    const admin = world.clientOf(SECURITY);

    await expect(exportTo(admin, await createDetector(admin), key.arn)).rejects.toMatchObject({
      name: 'BadRequestException',
      message: expect.stringContaining(
        'does not allow guardduty.amazonaws.com to perform s3:GetBucketLocation',
      ),
    });
  });

  it('refuses a key whose policy does not let GuardDuty encrypt', async () => {
    securityDestination();
    const plainKey = world.kms.createKey(SECURITY, REGION);
    const admin = world.clientOf(SECURITY);

    await expect(exportTo(admin, await createDetector(admin), plainKey.arn)).rejects.toMatchObject({
      message: expect.stringContaining(
        'does not allow guardduty.amazonaws.com to perform kms:GenerateDataKey',
      ),
    });
  });

  it('refuses another account’s detector when the policies admit GuardDuty only for the owner', async () => {
    const { key } = securityDestination();
    const member = world.clientOf(MEMBER);

    await expect(exportTo(member, await createDetector(member), key.arn)).rejects.toMatchObject({
      name: 'BadRequestException',
    });
  });

  it('refuses a key in another Region than the bucket', async () => {
    securityDestination();
    const elsewhere = addFindingsExportDestination(world, SECURITY, OTHER_REGION, {
      bucketName: `${BUCKET}-2`,
      keyId: KEY_ID,
    });
    const admin = world.clientOf(SECURITY);

    await expect(exportTo(admin, await createDetector(admin), elsewhere.key.arn)).rejects.toMatchObject({
      message: expect.stringContaining('they must be in the same Region'),
    });
  });
});

describe("GuardDuty's findings export", () => {
  it('writes the finding into the destination, encrypted with its key, under AWSLogs/<account>/GuardDuty/<region>/', async () => {
    const { key } = securityDestination();
    const admin = world.clientOf(SECURITY);
    await exportTo(admin, await createDetector(admin), key.arn);

    const exported = await world.guardduty.exportFinding(world.cloud, SECURITY, REGION, {
      id: 'f-1',
      json: { id: 'f-1', region: REGION },
    });

    const objectKey = `guardduty/AWSLogs/${SECURITY}/GuardDuty/${REGION}/f-1.jsonl.gz`;
    expect(exported).toEqual([{ bucket: BUCKET, key: objectKey }]);
    expect(world.s3.serviceObjectsIn(BUCKET)).toEqual([
      {
        key: objectKey,
        body: '{"id":"f-1","region":"eu-west-1"}\n',
        serverSideEncryption: 'aws:kms',
        kmsKeyArn: key.arn,
        writtenBy: 'guardduty.amazonaws.com',
      },
    ]);
  });

  it('writes nothing once the bucket policy no longer admits GuardDuty', async () => {
    const { key } = securityDestination();
    const admin = world.clientOf(SECURITY);
    await exportTo(admin, await createDetector(admin), key.arn);
    admitOnlyTheAccount('s3:GetObject', `arn:aws:s3:::${BUCKET}/*`);

    await expect(
      world.guardduty.exportFinding(world.cloud, SECURITY, REGION, { id: 'f-2', json: { id: 'f-2' } }),
    ).resolves.toEqual([]);
    expect(world.s3.serviceObjectsIn(BUCKET)).toEqual([]);
  });
});
