import {
  type AutoEnableMembers,
  CreateMembersCommand,
  type GuardDutyClient,
  type OrganizationFeatureConfiguration,
  UpdateOrganizationConfigurationCommand,
} from '@aws-sdk/client-guardduty';

/** Calls the GuardDuty sandbox tests make again and again, written once. */

/** `CreateMembers` of one account, as the administrator's detector. */
export function createMember(admin: GuardDutyClient, detectorId: string, account: string) {
  return admin.send(
    new CreateMembersCommand({
      DetectorId: detectorId,
      AccountDetails: [{ AccountId: account, Email: `${account}@example.com` }],
    }),
  );
}

/** `UpdateOrganizationConfiguration` of which accounts, and which features, are enabled automatically. */
export function autoEnable(
  admin: GuardDutyClient,
  detectorId: string,
  members: AutoEnableMembers,
  features?: OrganizationFeatureConfiguration[],
) {
  return admin.send(
    new UpdateOrganizationConfigurationCommand({
      DetectorId: detectorId,
      AutoEnableOrganizationMembers: members,
      ...(features ? { Features: features } : {}),
    }),
  );
}
