import { CreateDetectorCommand } from '@aws-sdk/client-guardduty';
import * as z from 'zod';
import { findDetectorId, memberCall, memberClient } from '../guardduty/aws';
import { UnexpectedGuardDutyResponseError } from '../guardduty/errors';
import { desiredFeatures } from '../guardduty/features';
import { lambdaHandler } from '../shared/lambda';
import { defineTask, type TaskDeps } from '../shared/task';
import { type StepResult, WorkItem } from './model';

/**
 * The member's own detector, made inside the member account through Warden's member role: reused
 * when present, otherwise created with the configured features and publishing frequency.
 */
export async function ensureMemberDetector(account: string, region: string, deps: TaskDeps): Promise<string> {
  const client = memberClient(deps, account, region);
  const send = <T>(doing: string, fn: () => Promise<T>) => memberCall(deps, account, doing, fn);
  const existing = await findDetectorId(client, send, `in ${account} in ${region}`);
  if (existing) return existing;
  let created: { DetectorId?: string };
  try {
    created = await send(`creating the detector of ${account} in ${region}`, () =>
      client.send(
        new CreateDetectorCommand({
          Enable: true,
          FindingPublishingFrequency: deps.config.onboarding.findingPublishingFrequency,
          Features: desiredFeatures(deps.config),
        }),
      ),
    );
  } catch (error) {
    // A retried step whose first CreateDetector took effect: the detector is there now.
    if ((error as Error).name !== 'BadRequestException') throw error;
    const now = await findDetectorId(client, send, `in ${account} in ${region}`);
    if (!now) throw error;
    return now;
  }
  if (!created.DetectorId) {
    throw new UnexpectedGuardDutyResponseError(`CreateDetector in ${account} in ${region} returned no id`);
  }
  return created.DetectorId;
}

/**
 * What `ensureMemberDetector` calls in the member account. CreateDetector in an account that never
 * had GuardDuty creates GuardDuty's service-linked role, which needs iam:CreateServiceLinkedRole
 * (https://docs.aws.amazon.com/guardduty/latest/ug/slr-permissions.html).
 */
export const MEMBER_DETECTOR_ACTIONS = [
  'guardduty:ListDetectors',
  'guardduty:CreateDetector',
  'iam:CreateServiceLinkedRole',
] as const;

export const ensureMemberDetectorTask = defineTask({
  id: 'EnsureMemberDetector',
  entry: __filename,
  input: z.object({ item: WorkItem, region: z.string().min(1) }),
  needs: { assumeMemberRole: true, memberActions: [...MEMBER_DETECTOR_ACTIONS] },
  run: async (input, deps): Promise<StepResult> => ({
    accountId: input.item.accountId,
    ok: true,
    memberDetectorId:
      input.item.memberDetectorId ?? (await ensureMemberDetector(input.item.accountId, input.region, deps)),
  }),
});

export const handler = lambdaHandler(ensureMemberDetectorTask);
