import {
  CreateDetectorCommand,
  CreatePublishingDestinationCommand,
  DeleteDetectorCommand,
  DescribePublishingDestinationCommand,
  GetDetectorCommand,
  GetMemberDetectorsCommand,
  GetRemainingFreeTrialDaysCommand,
  ListDetectorsCommand,
  ListPublishingDestinationsCommand,
  UpdateDetectorCommand,
  UpdateMemberDetectorsCommand,
} from '@aws-sdk/client-guardduty';
import { addFindingsExportDestination } from './export-destination';
import {
  accountIds,
  createDetector,
  DAY_MS,
  MEMBER,
  makeWorld,
  OTHER_REGION,
  OUTSIDER,
  REGION,
  SECURITY,
  withDetector,
} from './world';

let world: ReturnType<typeof makeWorld>;
beforeEach(() => {
  world = makeWorld();
});

describe('GuardDuty sandbox detectors', () => {
  it('allows one detector per account per region', async () => {
    const admin = world.clientOf(SECURITY);
    await createDetector(admin);

    const again = admin.send(new CreateDetectorCommand({ Enable: true }));

    await expect(again).rejects.toMatchObject({
      name: 'BadRequestException',
      message: 'The request is rejected because a detector already exists for the current account.',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('keeps detectors apart per region and per account', async () => {
    const id = await createDetector(world.clientOf(SECURITY));

    const otherRegion = await world.clientOf(SECURITY, OTHER_REGION).send(new ListDetectorsCommand({}));
    const otherAccount = await world.clientOf(MEMBER).send(new ListDetectorsCommand({}));
    const sameRegion = await world.clientOf(SECURITY).send(new ListDetectorsCommand({}));

    expect(otherRegion.DetectorIds).toEqual([]);
    expect(otherAccount.DetectorIds).toEqual([]);
    expect(sameRegion.DetectorIds).toEqual([id]);
  });

  it('rejects a detector id the caller does not own', async () => {
    const memberDetector = await createDetector(world.clientOf(MEMBER));
    await createDetector(world.clientOf(SECURITY));

    const read = world.clientOf(SECURITY).send(new GetDetectorCommand({ DetectorId: memberDetector }));

    await expect(read).rejects.toMatchObject({
      name: 'BadRequestException',
      message: 'The request is rejected because the input detectorId is not owned by the current account.',
    });
  });

  it('reports status, publishing frequency and features, with runtime monitoring off by default', async () => {
    const { client: admin, detectorId: id } = await withDetector(world);

    const detector = await admin.send(new GetDetectorCommand({ DetectorId: id }));

    expect(detector.Status).toBe('ENABLED');
    expect(detector.FindingPublishingFrequency).toBe('SIX_HOURS');
    const status = Object.fromEntries(detector.Features!.map((f) => [f.Name, f.Status]));
    expect(status).toMatchObject({
      CLOUD_TRAIL: 'ENABLED',
      S3_DATA_EVENTS: 'ENABLED',
      EKS_AUDIT_LOGS: 'ENABLED',
      EBS_MALWARE_PROTECTION: 'ENABLED',
      RDS_LOGIN_EVENTS: 'ENABLED',
      LAMBDA_NETWORK_LOGS: 'ENABLED',
      RUNTIME_MONITORING: 'DISABLED',
    });
    expect(detector.DataSources?.S3Logs?.Status).toBe('ENABLED');
  });

  it('round-trips features, additional configuration and frequency through UpdateDetector', async () => {
    const { client: admin, detectorId: id } = await withDetector(world);

    await admin.send(
      new UpdateDetectorCommand({
        DetectorId: id,
        FindingPublishingFrequency: 'FIFTEEN_MINUTES',
        Features: [
          { Name: 'S3_DATA_EVENTS', Status: 'DISABLED' },
          {
            Name: 'RUNTIME_MONITORING',
            Status: 'ENABLED',
            AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' }],
          },
        ],
      }),
    );
    const detector = await admin.send(new GetDetectorCommand({ DetectorId: id }));

    expect(detector.FindingPublishingFrequency).toBe('FIFTEEN_MINUTES');
    const byName = new Map(detector.Features!.map((f) => [f.Name, f]));
    expect(byName.get('S3_DATA_EVENTS')?.Status).toBe('DISABLED');
    expect(byName.get('RUNTIME_MONITORING')?.Status).toBe('ENABLED');
    expect(byName.get('RUNTIME_MONITORING')?.AdditionalConfiguration).toContainEqual(
      expect.objectContaining({ Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' }),
    );
    expect(byName.get('RUNTIME_MONITORING')?.UpdatedAt).toBeInstanceOf(Date);
    expect(detector.DataSources?.S3Logs?.Status).toBe('DISABLED');
  });

  it('fails on an unknown feature and changes nothing', async () => {
    const { client: admin, detectorId: id } = await withDetector(world);

    const update = admin.send(
      new UpdateDetectorCommand({
        DetectorId: id,
        Features: [
          { Name: 'S3_DATA_EVENTS', Status: 'DISABLED' },
          { Name: 'CLOUD_TRAIL' as 'S3_DATA_EVENTS', Status: 'DISABLED' },
        ],
      }),
    );

    await expect(update).rejects.toMatchObject({ name: 'BadRequestException' });
    const detector = await admin.send(new GetDetectorCommand({ DetectorId: id }));
    expect(detector.Features!.find((f) => f.Name === 'S3_DATA_EVENTS')?.Status).toBe('ENABLED');
  });

  it('suspends and deletes a detector', async () => {
    const { client: admin, detectorId: id } = await withDetector(world);

    await admin.send(new UpdateDetectorCommand({ DetectorId: id, Enable: false }));
    const suspended = await admin.send(new GetDetectorCommand({ DetectorId: id }));
    await admin.send(new DeleteDetectorCommand({ DetectorId: id }));
    const remaining = await admin.send(new ListDetectorsCommand({}));

    expect(suspended.Status).toBe('DISABLED');
    expect(remaining.DetectorIds).toEqual([]);
  });
});

describe('GuardDuty sandbox publishing destinations', () => {
  const destination = {
    DestinationType: 'S3' as const,
    DestinationProperties: {
      DestinationArn: 'arn:aws:s3:::warden-findings/guardduty',
      KmsKeyArn: `arn:aws:kms:${REGION}:${SECURITY}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    },
  };

  it('exports findings to a KMS-encrypted S3 destination and describes it', async () => {
    addFindingsExportDestination(world, SECURITY, REGION, {
      bucketName: 'warden-findings',
      keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
    });
    const { client: admin, detectorId: id } = await withDetector(world);

    const created = await admin.send(
      new CreatePublishingDestinationCommand({ DetectorId: id, ...destination }),
    );
    const listed = await admin.send(new ListPublishingDestinationsCommand({ DetectorId: id }));
    const described = await admin.send(
      new DescribePublishingDestinationCommand({ DetectorId: id, DestinationId: created.DestinationId }),
    );

    expect(listed.Destinations).toEqual([
      { DestinationId: created.DestinationId, DestinationType: 'S3', Status: 'PUBLISHING' },
    ]);
    expect(described.DestinationProperties).toEqual(destination.DestinationProperties);
  });

  it('refuses a destination without a KMS key', async () => {
    const { client: admin, detectorId: id } = await withDetector(world);

    const created = admin.send(
      new CreatePublishingDestinationCommand({
        DetectorId: id,
        DestinationType: 'S3',
        DestinationProperties: { DestinationArn: 'arn:aws:s3:::warden-findings' },
      }),
    );

    await expect(created).rejects.toMatchObject({ name: 'BadRequestException' });
  });
});

describe('GuardDuty sandbox member detector features', () => {
  it('lets the administrator roll features out to an associated member and read them back', async () => {
    const { client: admin, detectorId: adminDetector } = await withDetector(world);
    world.guardduty.setRelationship(SECURITY, MEMBER, REGION, 'Enabled');

    const update = await admin.send(
      new UpdateMemberDetectorsCommand({
        DetectorId: adminDetector,
        AccountIds: [MEMBER, OUTSIDER],
        Features: [{ Name: 'RDS_LOGIN_EVENTS', Status: 'DISABLED' }],
      }),
    );
    const read = await admin.send(
      new GetMemberDetectorsCommand({ DetectorId: adminDetector, AccountIds: [MEMBER] }),
    );

    expect(update.UnprocessedAccounts).toEqual([
      {
        AccountId: OUTSIDER,
        Result:
          'The request is rejected because the given account ID is not an associated member of account the current account.',
      },
    ]);
    const features = read.MemberDataSourceConfigurations![0]!.Features!;
    expect(features.find((f) => f.Name === 'RDS_LOGIN_EVENTS')?.Status).toBe('DISABLED');
    expect(features.find((f) => f.Name === 'S3_DATA_EVENTS')?.Status).toBe('ENABLED');
  });
});

describe('GuardDuty sandbox free trial', () => {
  it('counts 30 days down from detector creation on the injected clock', async () => {
    const { client: admin, detectorId: id } = await withDetector(world);
    world.clock.now += 12 * DAY_MS + 1000;

    const out = await admin.send(
      new GetRemainingFreeTrialDaysCommand({ DetectorId: id, AccountIds: [SECURITY] }),
    );

    const features = out.Accounts![0]!.Features!;
    expect(features.find((f) => f.Name === 'S3_DATA_EVENTS')?.FreeTrialDaysRemaining).toBe(18);
    expect(features.every((f) => f.FreeTrialDaysRemaining === 18)).toBe(true);
  });

  it('reports set days per member and feature, and non-members as unprocessed', async () => {
    const { client: admin, detectorId: id } = await withDetector(world);
    world.guardduty.setRelationship(SECURITY, MEMBER, REGION, 'Enabled');
    world.guardduty.setFreeTrialDays({ account: MEMBER, days: 3 });
    world.guardduty.setFreeTrialDays({ account: MEMBER, region: REGION, feature: 'EKS_AUDIT_LOGS', days: 1 });

    const out = await admin.send(
      new GetRemainingFreeTrialDaysCommand({ DetectorId: id, AccountIds: [MEMBER, OUTSIDER] }),
    );

    const days = Object.fromEntries(
      out.Accounts![0]!.Features!.map((f) => [f.Name, f.FreeTrialDaysRemaining]),
    );
    expect(out.Accounts![0]!.AccountId).toBe(MEMBER);
    expect(days).toMatchObject({ EKS_AUDIT_LOGS: 1, S3_DATA_EVENTS: 3 });
    expect(out.UnprocessedAccounts!.map((u) => u.AccountId)).toEqual([OUTSIDER]);
  });

  it('fails on more than 50 accounts', async () => {
    const { client: admin, detectorId: id } = await withDetector(world);

    const call = admin.send(
      new GetRemainingFreeTrialDaysCommand({ DetectorId: id, AccountIds: accountIds(51) }),
    );

    await expect(call).rejects.toMatchObject({ name: 'BadRequestException' });
  });
});
