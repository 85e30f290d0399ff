import {
  CreateDetectorCommand,
  CreatePublishingDestinationCommand,
  ListPublishingDestinationsCommand,
} from '@aws-sdk/client-guardduty';
import { call } from '../shared/aws-call';
import { cacheSlot } from '../shared/runtime-caches';
import type { TaskDeps } from '../shared/task';
import { administratorClient, findDetectorId } from './aws';
import { UnexpectedGuardDutyResponseError } from './errors';
import { desiredFeatures } from './features';

/**
 * The administrator's detector in the region, with findings exported to the central bucket.
 * Every account's onboarding needs it, so a warm function remembers a confirmed detector for a few
 * minutes rather than asking GuardDuty again for each of the thousand accounts of a backfill.
 */
const CONFIRMED_FOR_MS = 5 * 60 * 1000;
const CONFIRMED_DETECTORS = cacheSlot(
  "the administrator's confirmed detectors",
  () => new Map<string, { detectorId: string; until: number }>(),
);

export async function ensureAdministratorDetector(region: string, deps: TaskDeps): Promise<string> {
  const cache = deps.caches.get(CONFIRMED_DETECTORS);
  const now = deps.now().getTime();
  const known = cache.get(region);
  if (known && known.until > now) return known.detectorId;

  const client = administratorClient(deps, region);
  const where = `in the administrator's account in ${region}`;
  let detectorId = await findDetectorId(client, call, where);
  if (!detectorId) {
    try {
      const created = await call(`creating the administrator's detector in ${region}`, () =>
        client.send(
          new CreateDetectorCommand({
            Enable: true,
            FindingPublishingFrequency: deps.config.onboarding.findingPublishingFrequency,
            Features: desiredFeatures(deps.config),
          }),
        ),
      );
      detectorId = created.DetectorId;
    } catch (error) {
      // Executions onboarding other accounts may create it at the same moment; theirs is ours.
      if ((error as Error).name !== 'BadRequestException') throw error;
      detectorId = await findDetectorId(client, call, where);
      if (!detectorId) throw error;
    }
    if (!detectorId) throw new UnexpectedGuardDutyResponseError(`CreateDetector ${where} returned no id`);
  }
  const id = detectorId;
  const destinations = await call(`listing publishing destinations ${where}`, () =>
    client.send(new ListPublishingDestinationsCommand({ DetectorId: id })),
  );
  if ((destinations.Destinations ?? []).length === 0) {
    const { bucketArn, kmsKeyArn } = deps.findingsExport;
    try {
      await call(`exporting findings to ${bucketArn} ${where}`, () =>
        client.send(
          new CreatePublishingDestinationCommand({
            DetectorId: id,
            DestinationType: 'S3',
            DestinationProperties: { DestinationArn: bucketArn, KmsKeyArn: kmsKeyArn },
          }),
        ),
      );
    } catch (error) {
      if ((error as Error).name !== 'BadRequestException') throw error;
      const again = await call(`listing publishing destinations ${where}`, () =>
        client.send(new ListPublishingDestinationsCommand({ DetectorId: id })),
      );
      if ((again.Destinations ?? []).length === 0) throw error;
    }
  }
  cache.set(region, { detectorId: id, until: now + CONFIRMED_FOR_MS });
  return id;
}

/**
 * What `ensureAdministratorDetector` reads and calls, for the manifest of every task that uses it
 * (onboarding, the drift sweep, the free-trial watch). CreateDetector in a security account that
 * never had GuardDuty creates GuardDuty's service-linked role, which needs
 * iam:CreateServiceLinkedRole (https://docs.aws.amazon.com/guardduty/latest/ug/slr-permissions.html).
 */
export const ADMINISTRATOR_DETECTOR = {
  variables: ['FINDINGS_BUCKET_ARN', 'FINDINGS_KMS_KEY_ARN'],
  actions: [
    'guardduty:ListDetectors',
    'guardduty:CreateDetector',
    'iam:CreateServiceLinkedRole',
    'guardduty:ListPublishingDestinations',
    'guardduty:CreatePublishingDestination',
  ],
} as const;
