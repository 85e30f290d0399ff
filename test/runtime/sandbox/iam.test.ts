import {
  DeleteAccountPasswordPolicyCommand,
  GetAccountPasswordPolicyCommand,
  GetRoleCommand,
  IAMClient,
  UpdateAccountPasswordPolicyCommand,
  type UpdateAccountPasswordPolicyRequest,
} from '@aws-sdk/client-iam';
import { SandboxSetupError } from '../../../runtime/sandbox/setup-error';
import {
  clientAs,
  failureOf,
  HOME_REGION,
  MEMBER_A,
  MEMBER_B,
  MEMBER_ROLE,
  makeWorld,
  SECURITY,
  START,
} from './fixtures';

function makePolicy(
  overrides: Partial<UpdateAccountPasswordPolicyRequest> = {},
): UpdateAccountPasswordPolicyRequest {
  return {
    MinimumPasswordLength: 14,
    RequireSymbols: true,
    RequireNumbers: true,
    RequireUppercaseCharacters: true,
    RequireLowercaseCharacters: true,
    AllowUsersToChangePassword: true,
    MaxPasswordAge: 90,
    PasswordReusePrevention: 24,
    HardExpiry: false,
    ...overrides,
  };
}

function expectNoSuchEntity(error: Error & Record<string, unknown>): void {
  // The SDK names the modelled class; `Code` is what AWS sent.
  expect(error.name).toBe('NoSuchEntityException');
  expect(error.Code).toBe('NoSuchEntity');
  expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(404);
}

describe('getRole', () => {
  it('returns the member role with a trust policy naming the security account', async () => {
    const world = await makeWorld({
      memberPolicy: [
        { Effect: 'Allow', Action: 'iam:GetRole', Resource: `arn:aws:iam::*:role/${MEMBER_ROLE}` },
      ],
    });
    const iam = world
      .clientFactory()
      .client(IAMClient, { account: MEMBER_A, region: HOME_REGION, roleName: MEMBER_ROLE });

    const { Role: role } = await iam.send(new GetRoleCommand({ RoleName: MEMBER_ROLE }));

    expect(role).toMatchObject({
      RoleName: MEMBER_ROLE,
      Arn: `arn:aws:iam::${MEMBER_A}:role/${MEMBER_ROLE}`,
      Path: '/',
      MaxSessionDuration: 3600,
      CreateDate: new Date(START),
    });
    const trust = JSON.parse(decodeURIComponent(role?.AssumeRolePolicyDocument ?? ''));
    expect(trust.Statement[0]).toEqual({
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${SECURITY}:root` },
      Action: 'sts:AssumeRole',
    });
  });

  it('fails with NoSuchEntity when the role does not exist', async () => {
    const world = await makeWorld();
    const iam = clientAs(world.cloud, IAMClient, MEMBER_A);

    const error = await failureOf(iam.send(new GetRoleCommand({ RoleName: 'Missing' })));

    expectNoSuchEntity(error);
    expect(error.message).toBe('The role with name Missing cannot be found.');
  });

  it('fails with NoSuchEntity for a role that exists only in another account', async () => {
    const world = await makeWorld();
    const iam = clientAs(world.cloud, IAMClient, SECURITY);

    const error = await failureOf(iam.send(new GetRoleCommand({ RoleName: MEMBER_ROLE })));

    expectNoSuchEntity(error);
  });

  it('fails with ValidationError when the role name breaks the IAM name pattern', async () => {
    const world = await makeWorld();
    const iam = clientAs(world.cloud, IAMClient, MEMBER_A);

    const error = await failureOf(iam.send(new GetRoleCommand({ RoleName: 'has space' })));

    expect(error.name).toBe('ValidationError');
    expect(error.message).toContain("at 'roleName' failed to satisfy constraint");
  });
});

describe('getAccountPasswordPolicy', () => {
  it('fails with NoSuchEntity when the account has no password policy', async () => {
    const world = await makeWorld();
    const iam = clientAs(world.cloud, IAMClient, MEMBER_A);

    const error = await failureOf(iam.send(new GetAccountPasswordPolicyCommand({})));

    expectNoSuchEntity(error);
    expect(error.message).toBe(`The Password Policy with domain name ${MEMBER_A} cannot be found.`);
  });

  it('returns the policy in the shape of the SDK PasswordPolicy', async () => {
    const world = await makeWorld();
    const iam = clientAs(world.cloud, IAMClient, MEMBER_A);
    await iam.send(new UpdateAccountPasswordPolicyCommand(makePolicy()));

    const { PasswordPolicy: policy } = await iam.send(new GetAccountPasswordPolicyCommand({}));

    // What was set, and ExpirePasswords, which AWS derives from a MaxPasswordAge above 0.
    expect(policy).toEqual({ ...makePolicy(), ExpirePasswords: true });
  });
});

describe('updateAccountPasswordPolicy', () => {
  it('resets every omitted parameter to its default instead of keeping the old value', async () => {
    const world = await makeWorld();
    const iam = clientAs(world.cloud, IAMClient, MEMBER_A);
    await iam.send(new UpdateAccountPasswordPolicyCommand(makePolicy()));

    await iam.send(new UpdateAccountPasswordPolicyCommand({ RequireSymbols: true }));

    expect(world.services.iam.passwordPolicy(MEMBER_A)).toEqual({
      MinimumPasswordLength: 6,
      RequireSymbols: true,
      RequireNumbers: false,
      RequireUppercaseCharacters: false,
      RequireLowercaseCharacters: false,
      AllowUsersToChangePassword: false,
      ExpirePasswords: false,
      HardExpiry: false,
    });
  });

  it('changes only the calling account', async () => {
    const world = await makeWorld();

    await clientAs(world.cloud, IAMClient, MEMBER_A).send(
      new UpdateAccountPasswordPolicyCommand(makePolicy()),
    );

    expect(world.services.iam.passwordPolicy(MEMBER_B)).toBeUndefined();
    expect(world.cloud.count({ service: 'iam', mutating: true, account: MEMBER_A })).toBe(1);
  });

  it.each([
    ['MinimumPasswordLength', 5, 'minimumPasswordLength'],
    ['MinimumPasswordLength', 129, 'minimumPasswordLength'],
    ['MaxPasswordAge', 1096, 'maxPasswordAge'],
    ['PasswordReusePrevention', 25, 'passwordReusePrevention'],
  ] as const)('fails with ValidationError when %s is %i', async (field, value, member) => {
    const world = await makeWorld();
    const iam = clientAs(world.cloud, IAMClient, MEMBER_A);

    const error = await failureOf(
      iam.send(new UpdateAccountPasswordPolicyCommand(makePolicy({ [field]: value }))),
    );

    expect(error.name).toBe('ValidationError');
    expect(error.message).toContain(`Value '${value}' at '${member}'`);
    expect(world.services.iam.passwordPolicy(MEMBER_A)).toBeUndefined();
  });
});

describe('deleteAccountPasswordPolicy', () => {
  it('removes the policy so that reading it fails with NoSuchEntity', async () => {
    const world = await makeWorld();
    const iam = clientAs(world.cloud, IAMClient, MEMBER_A);
    await iam.send(new UpdateAccountPasswordPolicyCommand(makePolicy()));

    await iam.send(new DeleteAccountPasswordPolicyCommand({}));

    expectNoSuchEntity(await failureOf(iam.send(new GetAccountPasswordPolicyCommand({}))));
  });

  it('fails with NoSuchEntity when there is no policy to delete', async () => {
    const world = await makeWorld();
    const iam = clientAs(world.cloud, IAMClient, MEMBER_A);

    expectNoSuchEntity(await failureOf(iam.send(new DeleteAccountPasswordPolicyCommand({}))));
  });
});

describe('createRole', () => {
  it('fails when the role already exists in the account', async () => {
    const world = await makeWorld();

    expect(() => world.services.iam.createRole(MEMBER_A, MEMBER_ROLE, SECURITY)).toThrow(SandboxSetupError);
  });
});
