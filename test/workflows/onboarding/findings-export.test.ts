import {
  DescribePublishingDestinationCommand,
  GuardDutyClient,
  ListPublishingDestinationsCommand,
} from '@aws-sdk/client-guardduty';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  type Harness,
  MEMBER,
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
  it('goes to the bucket and key the stack gives its function, not to a name of its own', async () => {
    h = await startHarness({ config: makeConfig() });
    // The deployed bucket's name is generated: only the function's environment knows it.
    const { bucketArn, kmsKeyArn } = h.warden.functionDeps('EnsureAdministratorDetector').findingsExport;
    expect(bucketArn).toMatch(/^arn:aws:s3:::wardensecurity-findingsexportbucket[0-9a-f]{8}-[0-9a-z]+$/);

    const record = await onboard(h, makeControlTowerEvent({ accountId: MEMBER }));

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
      expect(destination.DestinationProperties).toEqual({ DestinationArn: bucketArn, KmsKeyArn: kmsKeyArn });
    }
  });
});
