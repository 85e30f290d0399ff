import { CreateDetectorCommand, GuardDutyClient } from '@aws-sdk/client-guardduty';
import { buildOrganization, type SandboxOrganization } from '../../../../runtime/sandbox/world';
import { factoryFor, HOME_REGION, MANAGEMENT, MEMBER_A, makeClock, makeMember } from '../fixtures';

/**
 * GuardDuty's service-linked role: created when GuardDuty is first enabled in an account, with the
 * permissions of whoever enables it (slr-permissions.html).
 */
const OTHER_REGION = 'us-east-1';
const SLR = `arn:aws:iam::${MEMBER_A}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty`;

function organization(): SandboxOrganization {
  return buildOrganization({
    managementAccountId: MANAGEMENT,
    accounts: [makeMember({ id: MEMBER_A })],
    regions: [HOME_REGION, OTHER_REGION],
    clock: makeClock().clock,
  });
}

function roleAllowing(org: SandboxOrganization, name: string, statements: unknown[]): void {
  org.services.iam.createRole(MEMBER_A, name, {
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MEMBER_A}:root` }, Action: 'sts:AssumeRole' },
      ],
    },
    inlinePolicies: { Enable: { Version: '2012-10-17', Statement: statements } },
  });
}

function createDetector(org: SandboxOrganization, roleName: string, region: string) {
  return factoryFor(org.cloud, MEMBER_A, roleName)
    .client(GuardDutyClient, { account: MEMBER_A, region })
    .send(new CreateDetectorCommand({ Enable: true }));
}

const CREATE_DETECTOR = { Effect: 'Allow', Action: 'guardduty:CreateDetector', Resource: '*' };
const CREATE_SLR = {
  Effect: 'Allow',
  Action: 'iam:CreateServiceLinkedRole',
  Resource: 'arn:aws:iam::*:role/aws-service-role/guardduty.amazonaws.com/*',
  Condition: { StringEquals: { 'iam:AWSServiceName': 'guardduty.amazonaws.com' } },
};

describe("GuardDuty's service-linked role", () => {
  it('fails the first CreateDetector of an account when the caller may not create the role, and creates nothing', async () => {
    const org = organization();
    roleAllowing(org, 'DetectorOnly', [CREATE_DETECTOR]);

    await expect(createDetector(org, 'DetectorOnly', HOME_REGION)).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('iam:CreateServiceLinkedRole'),
    });

    expect(org.services.iam.serviceLinkedRole(MEMBER_A, 'guardduty.amazonaws.com')).toBeUndefined();
    expect(org.services.guardduty.detectorId(MEMBER_A, HOME_REGION)).toBeUndefined();
  });

  it('creates the role with the first detector, trusted by GuardDuty only, and needs no permission for it again', async () => {
    const org = organization();
    roleAllowing(org, 'Enabler', [CREATE_DETECTOR, CREATE_SLR]);
    roleAllowing(org, 'DetectorOnly', [CREATE_DETECTOR]);

    await createDetector(org, 'Enabler', HOME_REGION);
    const second = await createDetector(org, 'DetectorOnly', OTHER_REGION);

    const role = org.services.iam.serviceLinkedRole(MEMBER_A, 'guardduty.amazonaws.com')!;
    expect(role.arn).toBe(SLR);
    expect(role.trustPolicy.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'guardduty.amazonaws.com' },
        Action: 'sts:AssumeRole',
      }),
    ]);
    expect(second.DetectorId).toBe(org.services.guardduty.detectorId(MEMBER_A, OTHER_REGION));
  });
});
