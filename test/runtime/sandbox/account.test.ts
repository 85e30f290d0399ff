import {
  AccountClient,
  GetRegionOptStatusCommand,
  ListRegionsCommand,
  paginateListRegions,
} from '@aws-sdk/client-account';
import { DEFAULT_REGIONS, OPT_IN_REGIONS } from '../../../runtime/sandbox/account';
import {
  clientAs,
  failureOf,
  MANAGEMENT,
  MEMBER_A,
  MEMBER_B,
  makeMember,
  makeWorld,
  OUTSIDER,
  type SandboxWorld,
  SECURITY,
} from './fixtures';

function accountAs(world: SandboxWorld, account: string): AccountClient {
  return clientAs(world.cloud, AccountClient, account, 'us-east-1');
}

describe('getRegionOptStatus', () => {
  it.each([
    ['eu-west-1', 'ENABLED_BY_DEFAULT'],
    ['af-south-1', 'DISABLED'],
    ['ap-east-1', 'DISABLED'],
    ['me-south-1', 'DISABLED'],
    ['eu-south-1', 'DISABLED'],
  ])('reports %s as %s for an account that enabled nothing', async (region, status) => {
    const world = await makeWorld();

    const out = await accountAs(world, MEMBER_A).send(new GetRegionOptStatusCommand({ RegionName: region }));

    expect(out).toMatchObject({ RegionName: region, RegionOptStatus: status });
  });

  it('reports an opt-in region as ENABLED once the account enabled it', async () => {
    const world = await makeWorld();
    world.services.account.enableRegion(MEMBER_A, 'af-south-1');

    const mine = await accountAs(world, MEMBER_A).send(
      new GetRegionOptStatusCommand({ RegionName: 'af-south-1' }),
    );
    const theirs = await accountAs(world, MEMBER_B).send(
      new GetRegionOptStatusCommand({ RegionName: 'af-south-1' }),
    );

    expect(mine.RegionOptStatus).toBe('ENABLED');
    expect(theirs.RegionOptStatus).toBe('DISABLED');
  });

  it.each([
    ['the management account', MANAGEMENT],
    ['a delegated administrator for Account Management', SECURITY],
  ])('answers %s about a member account', async (_case, caller) => {
    const world = await makeWorld();
    world.services.account.enableRegion(MEMBER_B, 'me-south-1');

    const out = await accountAs(world, caller).send(
      new GetRegionOptStatusCommand({ AccountId: MEMBER_B, RegionName: 'me-south-1' }),
    );

    expect(out.RegionOptStatus).toBe('ENABLED');
  });

  it.each([
    [
      'AccessDeniedException when a member asks about another account',
      undefined,
      MEMBER_A,
      { AccountId: MEMBER_B, RegionName: 'eu-west-1' },
      {
        name: 'AccessDeniedException',
        message: `User: arn:aws:iam::${MEMBER_A}:root is not authorized to perform: account:GetRegionOptStatus`,
      },
    ],
    [
      'AccessDeniedException when the security account is not delegated for Account Management',
      { delegatedServices: ['guardduty.amazonaws.com'] },
      SECURITY,
      { AccountId: MEMBER_A, RegionName: 'eu-west-1' },
      { name: 'AccessDeniedException' },
    ],
    [
      'AccessDeniedException when the management account names its own id',
      undefined,
      MANAGEMENT,
      { AccountId: MANAGEMENT, RegionName: 'eu-west-1' },
      { name: 'AccessDeniedException' },
    ],
    [
      'AccessDeniedException for an account outside the organisation',
      undefined,
      MANAGEMENT,
      { AccountId: OUTSIDER, RegionName: 'eu-west-1' },
      { name: 'AccessDeniedException' },
    ],
    [
      'ValidationException for a region AWS does not have',
      undefined,
      MEMBER_A,
      { RegionName: 'eu-moon-1' },
      { name: 'ValidationException', reason: 'invalidRegionOptTarget' },
    ],
  ])('fails with %s', async (_what, options, caller, input, expected) => {
    const world = await makeWorld(options);

    const error = await failureOf(accountAs(world, caller).send(new GetRegionOptStatusCommand(input)));

    expect(error).toMatchObject(expected);
  });
});

describe('listRegions', () => {
  it('pages through every region with MaxResults', async () => {
    const world = await makeWorld();
    const names: string[] = [];

    for await (const page of paginateListRegions({ client: accountAs(world, MEMBER_A), pageSize: 10 }, {})) {
      names.push(...(page.Regions ?? []).map((r) => r.RegionName!));
    }

    expect(names.sort()).toEqual([...DEFAULT_REGIONS, ...OPT_IN_REGIONS].sort());
    expect(world.cloud.count({ service: 'account', operation: 'ListRegions' })).toBe(
      Math.ceil(names.length / 10),
    );
  });

  it('filters by opt status', async () => {
    const world = await makeWorld();
    world.services.account.enableRegion(MEMBER_A, 'eu-south-1');

    const out = await accountAs(world, MANAGEMENT).send(
      new ListRegionsCommand({ AccountId: MEMBER_A, RegionOptStatusContains: ['ENABLED', 'DISABLED'] }),
    );

    expect(out.Regions).toHaveLength(OPT_IN_REGIONS.length);
    expect(out.Regions).toContainEqual({ RegionName: 'eu-south-1', RegionOptStatus: 'ENABLED' });
    expect(out.NextToken).toBeUndefined();
  });

  it('fails with ValidationException when MaxResults is above 50', async () => {
    const world = await makeWorld();

    const error = await failureOf(
      accountAs(world, MEMBER_A).send(new ListRegionsCommand({ MaxResults: 51 })),
    );

    expect(error.name).toBe('ValidationException');
  });

  it('fails with ValidationException for a NextToken from a differently filtered listing', async () => {
    const world = await makeWorld();
    const client = accountAs(world, MEMBER_A);
    const { NextToken } = await client.send(new ListRegionsCommand({ MaxResults: 2 }));

    const error = await failureOf(
      client.send(
        new ListRegionsCommand({ MaxResults: 2, NextToken, RegionOptStatusContains: ['DISABLED'] }),
      ),
    );

    expect(error.name).toBe('ValidationException');
  });
});

describe('world region opt-in', () => {
  it('enables the governed opt-in regions unless a member lists its own', async () => {
    const world = await makeWorld({
      regions: ['eu-west-1', 'af-south-1'],
      memberAccounts: [makeMember({ id: MEMBER_A }), makeMember({ id: MEMBER_B, enabledRegions: [] })],
    });
    const client = accountAs(world, SECURITY);

    const a = await client.send(
      new GetRegionOptStatusCommand({ AccountId: MEMBER_A, RegionName: 'af-south-1' }),
    );
    const b = await client.send(
      new GetRegionOptStatusCommand({ AccountId: MEMBER_B, RegionName: 'af-south-1' }),
    );

    expect(a.RegionOptStatus).toBe('ENABLED');
    expect(b.RegionOptStatus).toBe('DISABLED');
  });
});
