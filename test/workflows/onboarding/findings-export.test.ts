import {
  DescribePublishingDestinationCommand,
  GuardDutyClient,
  ListPublishingDestinationsCommand,
} from '@aws-sdk/client-guardduty';
import { afterEach, describe, expect, it } from '@jest/globals';
import { addFindingsExportDestination } from '../../../runtime/sandbox/findings-export';
import {
  type Harness,
  makeConfig,
  makeControlTowerEvent,
  onboard,
  REGIONS,
  SECURITY,
  startHarness,
} from './harness';

let h: Harness;
afterEach(async () => h?.warden.stop());

describe("the administrator's findings export", () => {
  it('goes to the bucket and key its function is given, not to a name of its own', async () => {
    h = await startHarness({ config: makeConfig() });
    // A destination with names no code derives: only the function's environment knows them.
    const { bucket, key } = addFindingsExportDestination(h.warden.world.services, SECURITY, REGIONS[0]!, {
      bucketName: 'org-security-findings-archive',
      keyId: '0c9e3f5a-8d1b-4c2e-9f7a-2b6d4e8a1c3f',
    });
    const bucketArn = 'arn:aws:s3:::org-security-findings-archive';
    h.warden.deps.findingsExport = { bucketArn, kmsKeyArn: key.arn };
    expect(bucket).toBeDefined();

    const record = await onboard(h, makeControlTowerEvent({ accountId: '300000000001' }));

    expect(record.status).toBe('SUCCEEDED');
    for (const region of REGIONS) {
      const gd = h.warden.deps.clients.client(GuardDutyClient, { account: SECURITY, region });
      const detectorId = h.warden.world.services.guardduty.detectorId(SECURITY, region)!;
      const listed = await gd.send(new ListPublishingDestinationsCommand({ DetectorId: detectorId }));
      expect(listed.Destinations).toHaveLength(1);
      const destination = await gd.send(
        new DescribePublishingDestinationCommand({
          DetectorId: detectorId,
          DestinationId: listed.Destinations![0]!.DestinationId,
        }),
      );
      expect(destination.DestinationProperties).toEqual({ DestinationArn: bucketArn, KmsKeyArn: key.arn });
    }
  });
});
