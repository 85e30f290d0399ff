import {
  DescribeOrganizationConfigurationCommand,
  DisassociateFromAdministratorAccountCommand,
  DisassociateMembersCommand,
  EnableOrganizationAdminAccountCommand,
  GetDetectorCommand,
  GetMembersCommand,
  InviteMembersCommand,
  ListDetectorsCommand,
  ListInvitationsCommand,
  ListOrganizationAdminAccountsCommand,
} from '@aws-sdk/client-guardduty';
import { GUARDDUTY_MESSAGES } from '../../../../runtime/sandbox/guardduty';
import { autoEnable, createMember } from './requests';
import {
  createDetector,
  MANAGEMENT,
  MEMBER,
  makeWorld,
  OUTSIDER,
  REGION,
  SECOND_MEMBER,
  SECURITY,
  withDetector,
} from './world';

let world: ReturnType<typeof makeWorld>;

/** The management account has delegated GuardDuty to the security account, which has a detector. */
async function arrangeDelegated() {
  world = makeWorld();
  const management = world.clientOf(MANAGEMENT);
  await management.send(new EnableOrganizationAdminAccountCommand({ AdminAccountId: SECURITY }));
  const admin = world.clientOf(SECURITY);
  return { management, admin, adminDetector: await createDetector(admin) };
}

describe('GuardDuty sandbox organisation mode', () => {
  it('lets only the management account designate the delegated administrator', async () => {
    world = makeWorld();

    const bySecurity = world
      .clientOf(SECURITY)
      .send(new EnableOrganizationAdminAccountCommand({ AdminAccountId: SECURITY }));
    await world
      .clientOf(MANAGEMENT)
      .send(new EnableOrganizationAdminAccountCommand({ AdminAccountId: SECURITY }));
    const listed = await world.clientOf(MANAGEMENT).send(new ListOrganizationAdminAccountsCommand({}));

    await expect(bySecurity).rejects.toMatchObject({
      name: 'BadRequestException',
      message: GUARDDUTY_MESSAGES.notOrganizationManagement,
    });
    expect(listed.AdminAccounts).toEqual([{ AdminAccountId: SECURITY, AdminStatus: 'ENABLED' }]);
  });

  it('round-trips the organisation configuration', async () => {
    const { admin, adminDetector } = await arrangeDelegated();

    await autoEnable(admin, adminDetector, 'ALL', [
      {
        Name: 'RUNTIME_MONITORING',
        AutoEnable: 'NEW',
        AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', AutoEnable: 'NEW' }],
      },
    ]);
    const config = await admin.send(
      new DescribeOrganizationConfigurationCommand({ DetectorId: adminDetector }),
    );

    expect(config.AutoEnableOrganizationMembers).toBe('ALL');
    expect(config.AutoEnable).toBe(true);
    expect(config.Features).toContainEqual({
      Name: 'RUNTIME_MONITORING',
      AutoEnable: 'NEW',
      AdditionalConfiguration: expect.arrayContaining([{ Name: 'EKS_ADDON_MANAGEMENT', AutoEnable: 'NEW' }]),
    });
  });

  it('refuses organisation configuration from an account that is not the delegated administrator', async () => {
    world = makeWorld();
    const { client: admin, detectorId: adminDetector } = await withDetector(world);

    const update = autoEnable(admin, adminDetector, 'NEW');

    await expect(update).rejects.toMatchObject({ name: 'BadRequestException' });
  });

  it('enables an organisation account directly, creating its detector with the auto-enabled features', async () => {
    const { admin, adminDetector } = await arrangeDelegated();
    await autoEnable(admin, adminDetector, 'NEW', [{ Name: 'RUNTIME_MONITORING', AutoEnable: 'NEW' }]);

    const out = await createMember(admin, adminDetector, MEMBER);

    expect(out.UnprocessedAccounts).toEqual([]);
    const got = await admin.send(new GetMembersCommand({ DetectorId: adminDetector, AccountIds: [MEMBER] }));
    expect(got.Members![0]).toMatchObject({ RelationshipStatus: 'Enabled', DetectorId: expect.any(String) });
    expect(got.Members![0]!.InvitedAt).toBeUndefined();
    const member = world.clientOf(MEMBER);
    expect((await member.send(new ListInvitationsCommand({}))).Invitations).toEqual([]);
    const [memberDetector] = (await member.send(new ListDetectorsCommand({}))).DetectorIds!;
    const detector = await member.send(new GetDetectorCommand({ DetectorId: memberDetector }));
    expect(detector.Features!.find((f) => f.Name === 'RUNTIME_MONITORING')?.Status).toBe('ENABLED');
  });

  it('treats CreateMembers for an enabled organisation member as a no-op', async () => {
    const { admin, adminDetector } = await arrangeDelegated();
    const create = () => createMember(admin, adminDetector, MEMBER);
    await create();

    const again = await create();

    expect(again.UnprocessedAccounts).toEqual([]);
    expect(world.guardduty.relationship(SECURITY, MEMBER, REGION)).toBe('Enabled');
  });

  it('falls back to invitation for an account outside the organisation', async () => {
    const { admin, adminDetector } = await arrangeDelegated();

    await createMember(admin, adminDetector, OUTSIDER);

    expect(world.guardduty.relationship(SECURITY, OUTSIDER, REGION)).toBe('Created');
  });

  it('reports the management account as unprocessed until it has a detector', async () => {
    const { admin, adminDetector } = await arrangeDelegated();

    const out = await createMember(admin, adminDetector, MANAGEMENT);

    expect(out.UnprocessedAccounts).toEqual([
      { AccountId: MANAGEMENT, Result: GUARDDUTY_MESSAGES.managementAccountWithoutDetector },
    ]);
  });

  it('does not let an organisation member disassociate itself', async () => {
    const { admin, adminDetector } = await arrangeDelegated();
    await createMember(admin, adminDetector, MEMBER);
    const member = world.clientOf(MEMBER);
    const [memberDetector] = (await member.send(new ListDetectorsCommand({}))).DetectorIds!;

    const leave = member.send(
      new DisassociateFromAdministratorAccountCommand({ DetectorId: memberDetector }),
    );

    await expect(leave).rejects.toMatchObject({ name: 'BadRequestException' });
  });

  it('refuses to disassociate members while every member is auto-enabled', async () => {
    const { admin, adminDetector } = await arrangeDelegated();
    await autoEnable(admin, adminDetector, 'ALL');
    world.guardduty.setRelationship(SECURITY, MEMBER, REGION, 'Enabled', { viaOrganization: true });

    const disassociate = admin.send(
      new DisassociateMembersCommand({ DetectorId: adminDetector, AccountIds: [MEMBER] }),
    );

    await expect(disassociate).rejects.toMatchObject({
      name: 'BadRequestException',
      message: GUARDDUTY_MESSAGES.allMembersAutoEnabled,
    });
  });

  it('re-associates a removed organisation member with CreateMembers, not with an invitation', async () => {
    const { admin, adminDetector } = await arrangeDelegated();
    world.guardduty.setRelationship(SECURITY, SECOND_MEMBER, REGION, 'Removed', { viaOrganization: true });

    const invited = await admin.send(
      new InviteMembersCommand({ DetectorId: adminDetector, AccountIds: [SECOND_MEMBER] }),
    );
    const created = await createMember(admin, adminDetector, SECOND_MEMBER);

    expect(invited.UnprocessedAccounts).toEqual([
      { AccountId: SECOND_MEMBER, Result: GUARDDUTY_MESSAGES.organizationMemberNotInvitable },
    ]);
    expect(created.UnprocessedAccounts).toEqual([]);
    expect(world.guardduty.relationship(SECURITY, SECOND_MEMBER, REGION)).toBe('Enabled');
  });
});
