import {
  AcceptAdministratorInvitationCommand,
  AcceptInvitationCommand,
  CreateMembersCommand,
  DeclineInvitationsCommand,
  DeleteMembersCommand,
  DisassociateFromAdministratorAccountCommand,
  DisassociateMembersCommand,
  GetAdministratorAccountCommand,
  GetMembersCommand,
  type GuardDutyClient,
  InviteMembersCommand,
  ListInvitationsCommand,
  ListMembersCommand,
  UpdateDetectorCommand,
} from '@aws-sdk/client-guardduty';
import { GUARDDUTY_MESSAGES, RELATIONSHIP_STATUSES } from '../../../../runtime/sandbox/guardduty';
import { createMember } from './requests';
import {
  accountIds,
  createDetector,
  MEMBER,
  makeWorld,
  OTHER_ADMIN,
  OTHER_REGION,
  OUTSIDER,
  REGION,
  SECOND_MEMBER,
  SECURITY,
} from './world';

let world: ReturnType<typeof makeWorld>;

/** Administrator and member clients with a detector each. */
async function arrange(options: Parameters<typeof makeWorld>[0] = {}) {
  world = makeWorld(options);
  const admin = world.clientOf(SECURITY);
  const member = world.clientOf(MEMBER);
  return {
    admin,
    member,
    adminDetector: await createDetector(admin),
    memberDetector: await createDetector(member),
  };
}

async function statusOf(admin: GuardDutyClient, detectorId: string, account = MEMBER) {
  const out = await admin.send(new GetMembersCommand({ DetectorId: detectorId, AccountIds: [account] }));
  return out.Members?.[0]?.RelationshipStatus;
}

async function invite(admin: GuardDutyClient, detectorId: string, account = MEMBER) {
  await createMember(admin, detectorId, account);
  return admin.send(
    new InviteMembersCommand({
      DetectorId: detectorId,
      AccountIds: [account],
      DisableEmailNotification: true,
    }),
  );
}

async function acceptPending(member: GuardDutyClient, memberDetector: string) {
  const { Invitations } = await member.send(new ListInvitationsCommand({}));
  const invitation = Invitations![0]!;
  await member.send(
    new AcceptAdministratorInvitationCommand({
      DetectorId: memberDetector,
      AdministratorId: invitation.AccountId,
      InvitationId: invitation.InvitationId,
    }),
  );
}

describe('GuardDuty sandbox invitation flow', () => {
  it('takes a member from Created through Invited to Enabled', async () => {
    const { admin, member, adminDetector, memberDetector } = await arrange();

    await createMember(admin, adminDetector, MEMBER);
    const afterCreate = await statusOf(admin, adminDetector);
    const invited = await admin.send(
      new InviteMembersCommand({
        DetectorId: adminDetector,
        AccountIds: [MEMBER],
        DisableEmailNotification: true,
      }),
    );
    const afterInvite = await statusOf(admin, adminDetector);
    const { Invitations } = await member.send(new ListInvitationsCommand({}));
    await acceptPending(member, memberDetector);

    expect(afterCreate).toBe('Created');
    expect(invited.UnprocessedAccounts).toEqual([]);
    expect(afterInvite).toBe('Invited');
    expect(Invitations).toEqual([
      expect.objectContaining({
        AccountId: SECURITY,
        RelationshipStatus: 'Invited',
        InvitationId: expect.any(String),
      }),
    ]);
    const got = await admin.send(new GetMembersCommand({ DetectorId: adminDetector, AccountIds: [MEMBER] }));
    expect(got.Members).toEqual([
      expect.objectContaining({
        AccountId: MEMBER,
        DetectorId: memberDetector,
        AdministratorId: SECURITY,
        MasterId: SECURITY,
        RelationshipStatus: 'Enabled',
        InvitedAt: expect.any(String),
        UpdatedAt: expect.any(String),
      }),
    ]);
    const administrator = await member.send(
      new GetAdministratorAccountCommand({ DetectorId: memberDetector }),
    );
    expect(administrator.Administrator).toMatchObject({ AccountId: SECURITY, RelationshipStatus: 'Enabled' });
    expect((await member.send(new ListInvitationsCommand({}))).Invitations).toEqual([]);
  });

  it('accepts through the deprecated AcceptInvitation too', async () => {
    const { admin, member, adminDetector, memberDetector } = await arrange();
    await invite(admin, adminDetector);
    const { Invitations } = await member.send(new ListInvitationsCommand({}));

    await member.send(
      new AcceptInvitationCommand({
        DetectorId: memberDetector,
        MasterId: SECURITY,
        InvitationId: Invitations![0]!.InvitationId,
      }),
    );

    expect(await statusOf(admin, adminDetector)).toBe('Enabled');
  });

  it('keeps reporting Invited for the configured number of administrator reads after the accept', async () => {
    const { admin, member, adminDetector, memberDetector } = await arrange({ acceptLagCalls: 2 });
    await invite(admin, adminDetector);

    await acceptPending(member, memberDetector);
    const reads = [
      await statusOf(admin, adminDetector),
      await statusOf(admin, adminDetector),
      await statusOf(admin, adminDetector),
    ];

    expect(reads).toEqual(['Invited', 'Invited', 'Enabled']);
    expect(world.guardduty.relationship(SECURITY, MEMBER, REGION)).toBe('Enabled');
  });

  it('reports the Removed and Resigned ends of a relationship', async () => {
    const { admin, member, adminDetector, memberDetector } = await arrange();
    world.guardduty.setRelationship(SECURITY, SECOND_MEMBER, REGION, 'Enabled');
    await invite(admin, adminDetector);
    await acceptPending(member, memberDetector);

    await member.send(new DisassociateFromAdministratorAccountCommand({ DetectorId: memberDetector }));
    await admin.send(
      new DisassociateMembersCommand({ DetectorId: adminDetector, AccountIds: [SECOND_MEMBER] }),
    );

    expect(await statusOf(admin, adminDetector, MEMBER)).toBe('Resigned');
    expect(await statusOf(admin, adminDetector, SECOND_MEMBER)).toBe('Removed');
    const administrator = await member.send(
      new GetAdministratorAccountCommand({ DetectorId: memberDetector }),
    );
    expect(administrator.Administrator).toBeUndefined();
  });

  it('re-invites a member that resigned', async () => {
    const { admin, member, adminDetector, memberDetector } = await arrange();
    world.guardduty.setRelationship(SECURITY, MEMBER, REGION, 'Resigned');

    const out = await admin.send(
      new InviteMembersCommand({ DetectorId: adminDetector, AccountIds: [MEMBER] }),
    );
    await acceptPending(member, memberDetector);

    expect(out.UnprocessedAccounts).toEqual([]);
    expect(await statusOf(admin, adminDetector)).toBe('Enabled');
  });

  it('shows a member that suspends its detector as Disabled, and Enabled when it resumes', async () => {
    const { admin, member, adminDetector, memberDetector } = await arrange();
    await invite(admin, adminDetector);
    await acceptPending(member, memberDetector);

    await member.send(new UpdateDetectorCommand({ DetectorId: memberDetector, Enable: false }));
    const suspended = await statusOf(admin, adminDetector);
    await member.send(new UpdateDetectorCommand({ DetectorId: memberDetector, Enable: true }));

    expect(suspended).toBe('Disabled');
    expect(await statusOf(admin, adminDetector)).toBe('Enabled');
  });

  it('turns a declined invitation into Resigned and leaves nothing to accept', async () => {
    const { admin, member, adminDetector } = await arrange();
    await invite(admin, adminDetector);

    const out = await member.send(new DeclineInvitationsCommand({ AccountIds: [SECURITY] }));

    expect(out.UnprocessedAccounts).toEqual([]);
    expect(await statusOf(admin, adminDetector)).toBe('Resigned');
    expect((await member.send(new ListInvitationsCommand({}))).Invitations).toEqual([]);
  });

  it('fails to accept an invitation that does not exist', async () => {
    const { member, memberDetector } = await arrange();

    const accept = member.send(
      new AcceptAdministratorInvitationCommand({
        DetectorId: memberDetector,
        AdministratorId: SECURITY,
        InvitationId: 'a'.repeat(32),
      }),
    );

    await expect(accept).rejects.toMatchObject({
      name: 'BadRequestException',
      message: GUARDDUTY_MESSAGES.noPendingInvitation,
    });
  });

  it('keeps membership per region', async () => {
    const { admin, adminDetector } = await arrange();
    await invite(admin, adminDetector);
    const otherRegionAdmin = world.clientOf(SECURITY, OTHER_REGION);
    const otherDetector = await createDetector(otherRegionAdmin);

    const other = await otherRegionAdmin.send(
      new GetMembersCommand({ DetectorId: otherDetector, AccountIds: [MEMBER] }),
    );

    expect(other.Members).toEqual([]);
    expect(other.UnprocessedAccounts).toEqual([
      { AccountId: MEMBER, Result: GUARDDUTY_MESSAGES.notAssociated },
    ]);
  });
});

describe('GuardDuty sandbox relationship statuses', () => {
  it.each(RELATIONSHIP_STATUSES)('reports %s when a test puts the member there', async (status) => {
    const { admin, adminDetector } = await arrange();

    world.guardduty.setRelationship(SECURITY, MEMBER, REGION, status);

    expect(await statusOf(admin, adminDetector)).toBe(status);
  });

  it('lists only associated members unless asked for all', async () => {
    const { admin, adminDetector } = await arrange();
    world.guardduty.setRelationship(SECURITY, MEMBER, REGION, 'Enabled');
    world.guardduty.setRelationship(SECURITY, SECOND_MEMBER, REGION, 'EmailVerificationFailed');

    const associated = await admin.send(new ListMembersCommand({ DetectorId: adminDetector }));
    const all = await admin.send(
      new ListMembersCommand({ DetectorId: adminDetector, OnlyAssociated: 'false' }),
    );

    expect(associated.Members!.map((m) => m.AccountId)).toEqual([MEMBER]);
    expect(all.Members!.map((m) => [m.AccountId, m.RelationshipStatus])).toEqual([
      [MEMBER, 'Enabled'],
      [SECOND_MEMBER, 'EmailVerificationFailed'],
    ]);
  });

  it('pages ListMembers with NextToken', async () => {
    const { admin, adminDetector } = await arrange();
    for (const account of accountIds(5))
      world.guardduty.setRelationship(SECURITY, account, REGION, 'Created');

    const first = await admin.send(
      new ListMembersCommand({ DetectorId: adminDetector, OnlyAssociated: 'false', MaxResults: 3 }),
    );
    const second = await admin.send(
      new ListMembersCommand({
        DetectorId: adminDetector,
        OnlyAssociated: 'false',
        MaxResults: 3,
        NextToken: first.NextToken,
      }),
    );

    expect(first.Members).toHaveLength(3);
    expect(second.Members).toHaveLength(2);
    expect(second.NextToken).toBeUndefined();
  });

  it('re-invites a member whose e-mail verification failed', async () => {
    const { admin, adminDetector } = await arrange();
    world.guardduty.setRelationship(SECURITY, MEMBER, REGION, 'EmailVerificationFailed');

    const out = await admin.send(
      new InviteMembersCommand({ DetectorId: adminDetector, AccountIds: [MEMBER] }),
    );

    expect(out.UnprocessedAccounts).toEqual([]);
    expect(await statusOf(admin, adminDetector)).toBe('Invited');
  });

  it('deletes a member so that it can be created again', async () => {
    const { admin, adminDetector } = await arrange();
    world.guardduty.setRelationship(SECURITY, MEMBER, REGION, 'Enabled');

    const deleted = await admin.send(
      new DeleteMembersCommand({ DetectorId: adminDetector, AccountIds: [MEMBER, OUTSIDER] }),
    );
    const recreated = await createMember(admin, adminDetector, MEMBER);

    expect(deleted.UnprocessedAccounts!.map((u) => u.AccountId)).toEqual([OUTSIDER]);
    expect(recreated.UnprocessedAccounts).toEqual([]);
    expect(await statusOf(admin, adminDetector)).toBe('Created');
  });
});

describe('GuardDuty sandbox membership refusals', () => {
  it('reports an account already associated with another administrator as unprocessed', async () => {
    const { admin, adminDetector } = await arrange();
    world.guardduty.joinOtherAdministrator(MEMBER, OTHER_ADMIN, REGION);

    const out = await createMember(admin, adminDetector, MEMBER);

    expect(out.UnprocessedAccounts).toEqual([
      { AccountId: MEMBER, Result: GUARDDUTY_MESSAGES.memberOfAnotherAdministrator },
    ]);
    expect(world.guardduty.relationship(OTHER_ADMIN, MEMBER, REGION)).toBe('Enabled');
  });

  it('refuses an accept while the member belongs to another administrator', async () => {
    const { admin, member, adminDetector, memberDetector } = await arrange();
    await invite(admin, adminDetector);
    world.guardduty.joinOtherAdministrator(MEMBER, OTHER_ADMIN, REGION);
    const { Invitations } = await member.send(new ListInvitationsCommand({}));

    const accept = member.send(
      new AcceptAdministratorInvitationCommand({
        DetectorId: memberDetector,
        AdministratorId: SECURITY,
        InvitationId: Invitations![0]!.InvitationId,
      }),
    );

    await expect(accept).rejects.toMatchObject({
      name: 'BadRequestException',
      message: GUARDDUTY_MESSAGES.alreadyAssociated,
    });
  });

  it('reports the administrator itself and an existing member as unprocessed', async () => {
    const { admin, adminDetector } = await arrange();
    world.guardduty.setRelationship(SECURITY, MEMBER, REGION, 'Created');

    const out = await admin.send(
      new CreateMembersCommand({
        DetectorId: adminDetector,
        AccountDetails: [
          { AccountId: SECURITY, Email: 's@example.com' },
          { AccountId: MEMBER, Email: 'm@example.com' },
          { AccountId: SECOND_MEMBER, Email: 'n@example.com' },
        ],
      }),
    );

    expect(out.UnprocessedAccounts).toEqual([
      { AccountId: SECURITY, Result: GUARDDUTY_MESSAGES.memberOfItself },
      { AccountId: MEMBER, Result: GUARDDUTY_MESSAGES.alreadyMember },
    ]);
  });

  it('reports re-inviting an Invited or Enabled member as unprocessed', async () => {
    const { admin, adminDetector } = await arrange();
    world.guardduty.setRelationship(SECURITY, MEMBER, REGION, 'Invited');
    world.guardduty.setRelationship(SECURITY, SECOND_MEMBER, REGION, 'Enabled');

    const out = await admin.send(
      new InviteMembersCommand({ DetectorId: adminDetector, AccountIds: [MEMBER, SECOND_MEMBER, OUTSIDER] }),
    );

    expect(out.UnprocessedAccounts).toEqual([
      { AccountId: MEMBER, Result: GUARDDUTY_MESSAGES.alreadyInvited },
      { AccountId: SECOND_MEMBER, Result: GUARDDUTY_MESSAGES.alreadyInvited },
      { AccountId: OUTSIDER, Result: GUARDDUTY_MESSAGES.notAMember },
    ]);
  });

  it.each([
    [
      'CreateMembers',
      (id: string, accounts: string[]) =>
        new CreateMembersCommand({
          DetectorId: id,
          AccountDetails: accounts.map((a) => ({ AccountId: a, Email: 'x@example.com' })),
        }),
    ],
    [
      'InviteMembers',
      (id: string, accounts: string[]) => new InviteMembersCommand({ DetectorId: id, AccountIds: accounts }),
    ],
    [
      'GetMembers',
      (id: string, accounts: string[]) => new GetMembersCommand({ DetectorId: id, AccountIds: accounts }),
    ],
  ] as const)('fails %s with more than 50 accounts and accepts exactly 50', async (_name, command) => {
    const { admin, adminDetector } = await arrange();

    const tooMany = admin.send(command(adminDetector, accountIds(51)) as never);
    const fifty = await admin.send(command(adminDetector, accountIds(50)) as never);

    await expect(tooMany).rejects.toMatchObject({
      name: 'BadRequestException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(fifty).toBeDefined();
  });

  it('fails on an account id that is not twelve digits', async () => {
    const { admin, adminDetector } = await arrange();

    const call = admin.send(new GetMembersCommand({ DetectorId: adminDetector, AccountIds: ['12345'] }));

    await expect(call).rejects.toMatchObject({ name: 'BadRequestException' });
  });
});

describe('GuardDuty sandbox mutating calls', () => {
  it('counts every state-changing call of the invitation flow and no read', async () => {
    const { admin, member, adminDetector, memberDetector } = await arrange();
    world.cloud.resetCalls();

    await invite(admin, adminDetector);
    await acceptPending(member, memberDetector);
    await statusOf(admin, adminDetector);
    await member.send(new GetAdministratorAccountCommand({ DetectorId: memberDetector }));

    expect(world.cloud.count({ service: 'guardduty', mutating: true })).toBe(3);
    expect(world.cloud.count({ service: 'guardduty', mutating: false })).toBe(3);
  });

  it('lists every state-changing operation as mutating', () => {
    world = makeWorld();

    const { mutating, operations } = world.guardduty;

    const reads = Object.keys(operations).filter((op) => !mutating.has(op));
    expect(reads.every((op) => /^(Get|List|Describe)/.test(op))).toBe(true);
    expect([...mutating].every((op) => op in operations)).toBe(true);
  });
});
