import { IAMClient } from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  type AssumeRoleRequest,
  GetCallerIdentityCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import {
  clientAs,
  factoryFor,
  failureOf,
  HOME_REGION,
  MEMBER_A,
  MEMBER_B,
  MEMBER_ROLE,
  makeClock,
  makeWorld,
  OUTSIDER,
  SECURITY,
  START,
} from './fixtures';

function makeAssumeRole(overrides: Partial<AssumeRoleRequest> = {}): AssumeRoleCommand {
  return new AssumeRoleCommand({
    RoleArn: `arn:aws:iam::${MEMBER_A}:role/${MEMBER_ROLE}`,
    RoleSessionName: 'warden',
    ...overrides,
  });
}

describe('assumeRole', () => {
  it('returns credentials that act as the role in the member account', async () => {
    const world = await makeWorld();
    const factory = world.clientFactory();

    const identity = await factory
      .client(STSClient, { account: MEMBER_A, region: HOME_REGION, roleName: MEMBER_ROLE })
      .send(new GetCallerIdentityCommand({}));

    expect(identity.Account).toBe(MEMBER_A);
    expect(identity.Arn).toBe(`arn:aws:sts::${MEMBER_A}:assumed-role/${MEMBER_ROLE}/warden`);
    expect(identity.UserId).toMatch(/^AROA[A-Z0-9]{17}:warden$/);
  });

  it('sets Expiration to the clock plus DurationSeconds and names the assumed role user', async () => {
    const { clock, advance } = makeClock();
    advance(60_000);
    const world = await makeWorld({ clock });
    const sts = clientAs(world.cloud, STSClient, SECURITY);

    const out = await sts.send(makeAssumeRole({ DurationSeconds: 900, RoleSessionName: 'onboard-333' }));

    expect(out.Credentials?.Expiration).toEqual(new Date(START + 60_000 + 900_000));
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${MEMBER_A}:assumed-role/${MEMBER_ROLE}/onboard-333`);
    expect(out.AssumedRoleUser?.AssumedRoleId).toMatch(/:onboard-333$/);
  });

  it('defaults DurationSeconds to one hour', async () => {
    const { clock } = makeClock();
    const world = await makeWorld({ clock });
    const sts = clientAs(world.cloud, STSClient, SECURITY);

    const out = await sts.send(makeAssumeRole());

    expect(out.Credentials?.Expiration).toEqual(new Date(START + 3_600_000));
  });

  it('fails with AccessDenied when the role does not exist', async () => {
    const world = await makeWorld();
    const sts = world.clientFactory().client(STSClient, { account: SECURITY, region: HOME_REGION });
    const roleArn = `arn:aws:iam::${MEMBER_A}:role/NoSuchRole`;

    const error = await failureOf(sts.send(makeAssumeRole({ RoleArn: roleArn })));

    expect(error.name).toBe('AccessDenied');
    expect(error.message).toBe(
      `User: arn:aws:sts::${SECURITY}:assumed-role/warden-execution/warden is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    );
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(403);
  });

  it('fails with AccessDenied when the role does not trust the caller account', async () => {
    const world = await makeWorld();
    const sts = clientAs(world.cloud, STSClient, MEMBER_B);

    const error = await failureOf(sts.send(makeAssumeRole()));

    expect(error.name).toBe('AccessDenied');
    expect(error.message).toContain(`User: arn:aws:iam::${MEMBER_B}:root is not authorized`);
  });

  it('fails with AccessDenied when the role trusts a service, not an account', async () => {
    const world = await makeWorld();
    const sts = clientAs(world.cloud, STSClient, SECURITY);

    const error = await failureOf(
      sts.send(makeAssumeRole({ RoleArn: `arn:aws:iam::${SECURITY}:role/warden-execution` })),
    );

    expect(error.name).toBe('AccessDenied');
  });

  it.each([
    ['is one character', 'a', 'Member must have length greater than or equal to 2'],
    ['is 65 characters', 'a'.repeat(65), 'Member must have length less than or equal to 64'],
    ['holds a space', 'warden session', 'Member must satisfy regular expression pattern'],
  ])('fails with ValidationError when RoleSessionName %s', async (_case, name, constraint) => {
    const world = await makeWorld();
    const sts = clientAs(world.cloud, STSClient, SECURITY);

    const error = await failureOf(sts.send(makeAssumeRole({ RoleSessionName: name })));

    expect(error.name).toBe('ValidationError');
    expect(error.message).toContain(`at 'roleSessionName' failed to satisfy constraint: ${constraint}`);
  });

  it('accepts a RoleSessionName of 64 characters from [\\w+=,.@-]', async () => {
    const world = await makeWorld();
    const sts = clientAs(world.cloud, STSClient, SECURITY);
    const name = `a+=,.@-_${'b'.repeat(56)}`;

    const out = await sts.send(makeAssumeRole({ RoleSessionName: name }));

    expect(out.AssumedRoleUser?.Arn).toMatch(new RegExp(`/${name.replace(/[+.]/g, '\\$&')}$`));
  });

  it.each([
    [899, 'greater than or equal to 900'],
    [43201, 'less than or equal to 43200'],
  ])('fails with ValidationError when DurationSeconds is %i', async (seconds, constraint) => {
    const world = await makeWorld();
    const sts = clientAs(world.cloud, STSClient, SECURITY);

    const error = await failureOf(sts.send(makeAssumeRole({ DurationSeconds: seconds })));

    expect(error.name).toBe('ValidationError');
    expect(error.message).toContain(
      `at 'durationSeconds' failed to satisfy constraint: Member must have value ${constraint}`,
    );
  });

  it("fails with ValidationError when DurationSeconds exceeds the role's MaxSessionDuration", async () => {
    const world = await makeWorld();
    const sts = clientAs(world.cloud, STSClient, SECURITY);

    const error = await failureOf(sts.send(makeAssumeRole({ DurationSeconds: 7200 })));

    expect(error.name).toBe('ValidationError');
    expect(error.message).toContain('MaxSessionDuration');
  });

  it('fails with ValidationError when a role session asks for more than an hour (role chaining)', async () => {
    const longSessions = `arn:aws:iam::${MEMBER_B}:role/LongSessions`;
    const world = await makeWorld({
      executionPolicy: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: longSessions }],
    });
    world.services.iam.createRole(MEMBER_B, 'LongSessions', SECURITY, { maxSessionDuration: 43200 });
    const sts = world.clientFactory().client(STSClient, { account: SECURITY, region: HOME_REGION });

    const error = await failureOf(sts.send(makeAssumeRole({ RoleArn: longSessions, DurationSeconds: 7200 })));

    expect(error.name).toBe('ValidationError');
    expect(error.message).toContain('role chaining');
  });

  it('fails with ValidationError when RoleArn is not a role ARN', async () => {
    const world = await makeWorld();
    const sts = clientAs(world.cloud, STSClient, SECURITY);

    const error = await failureOf(
      sts.send(makeAssumeRole({ RoleArn: `arn:aws:iam::${MEMBER_A}:user/alice` })),
    );

    expect(error.name).toBe('ValidationError');
  });

  it('fails with InvalidClientTokenId when the caller signs with credentials the sandbox never issued', async () => {
    const world = await makeWorld();
    const sts = new STSClient({
      region: HOME_REGION,
      credentials: { accessKeyId: 'ASIAFORGED', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    sts.middlewareStack.use(world.cloud.transport());

    const error = await failureOf(sts.send(makeAssumeRole()));

    expect(error.name).toBe('InvalidClientTokenId');
  });

  it('assumes each member role once however many regions and services use it', async () => {
    const world = await makeWorld();
    const factory = world.clientFactory();

    for (const region of [HOME_REGION, 'us-east-1']) {
      await factory
        .client(STSClient, { account: MEMBER_A, region, roleName: MEMBER_ROLE })
        .send(new GetCallerIdentityCommand({}));
    }

    expect(world.cloud.count({ service: 'sts', operation: 'AssumeRole' })).toBe(1);
    expect(world.cloud.count({ service: 'sts', operation: 'GetCallerIdentity', account: MEMBER_A })).toBe(2);
    expect(world.cloud.count({ service: 'sts', mutating: true })).toBe(0);
  });

  it('fails the Nth call with an injected error and recovers afterwards', async () => {
    const world = await makeWorld();
    world.cloud.faults.failOnCall({
      service: 'sts',
      operation: 'AssumeRole',
      onCall: 2,
      code: 'RegionDisabledException',
      httpStatusCode: 403,
    });
    const factory = world.clientFactory();
    const member = (account: string) =>
      factory.client(IAMClient, { account, region: HOME_REGION, roleName: MEMBER_ROLE }).config.credentials();

    await member(MEMBER_A);
    const error = await failureOf(member(MEMBER_B));
    factory.forget({ account: MEMBER_B, region: HOME_REGION, roleName: MEMBER_ROLE });
    const retried = await member(MEMBER_B);

    expect(error.name).toBe('RegionDisabledException');
    expect(retried.accessKeyId).toMatch(/^ASIA/);
    expect(world.cloud.count({ service: 'sts', operation: 'AssumeRole' })).toBe(3);
  });
});

describe('getCallerIdentity', () => {
  it("names the account's root identity by account id", async () => {
    const world = await makeWorld();
    const sts = clientAs(world.cloud, STSClient, OUTSIDER);

    const identity = await sts.send(new GetCallerIdentityCommand({}));

    expect(identity).toMatchObject({
      Account: OUTSIDER,
      UserId: OUTSIDER,
      Arn: `arn:aws:iam::${OUTSIDER}:root`,
    });
  });

  it('names a role session by role id and session name', async () => {
    const world = await makeWorld();
    const sts = factoryFor(world.cloud, SECURITY, 'warden-execution').client(STSClient, {
      account: SECURITY,
      region: HOME_REGION,
    });
    const roleId = world.services.iam.role(SECURITY, 'warden-execution')?.roleId;

    const identity = await sts.send(new GetCallerIdentityCommand({}));

    expect(identity.UserId).toBe(`${roleId}:warden`);
    expect(identity.Arn).toBe(`arn:aws:sts::${SECURITY}:assumed-role/warden-execution/warden`);
  });
});
