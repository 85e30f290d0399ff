import {
  DescribeAccountCommand,
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  OrganizationsClient,
  paginateListAccounts,
} from '@aws-sdk/client-organizations';
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
  START,
} from './fixtures';

function accountId(n: number): string {
  return String(500000000000 + n);
}

/** A world with `count` extra member accounts, for pagination. */
function makeLargeWorld(count: number): Promise<SandboxWorld> {
  return makeWorld({
    memberAccounts: Array.from({ length: count }, (_, i) => makeMember({ id: accountId(i) })),
  });
}

function orgsAs(world: SandboxWorld, account: string): OrganizationsClient {
  return clientAs(world.cloud, OrganizationsClient, account, 'us-east-1');
}

describe('describeOrganization', () => {
  it('describes the organisation to any member account', async () => {
    const world = await makeWorld();

    const { Organization: org } = await orgsAs(world, MEMBER_A).send(new DescribeOrganizationCommand({}));

    expect(org).toMatchObject({
      Id: world.services.organizations.organizationId,
      FeatureSet: 'ALL',
      MasterAccountId: MANAGEMENT,
      MasterAccountArn: `arn:aws:organizations::${MANAGEMENT}:account/${world.services.organizations.organizationId}/${MANAGEMENT}`,
    });
    expect(org?.Id).toMatch(/^o-[a-z0-9]{10}$/);
  });

  it('fails with AWSOrganizationsNotInUseException for an account outside the organisation', async () => {
    const world = await makeWorld();

    const error = await failureOf(orgsAs(world, OUTSIDER).send(new DescribeOrganizationCommand({})));

    expect(error.name).toBe('AWSOrganizationsNotInUseException');
  });
});

describe('describeAccount', () => {
  it('describes an account with its status, join time and path', async () => {
    const world = await makeWorld();

    const { Account: account } = await orgsAs(world, MANAGEMENT).send(
      new DescribeAccountCommand({ AccountId: MEMBER_A }),
    );

    const org = world.services.organizations;
    expect(account).toEqual({
      Id: MEMBER_A,
      Arn: `arn:aws:organizations::${MANAGEMENT}:account/${org.organizationId}/${MEMBER_A}`,
      Name: `member-${MEMBER_A}`,
      Email: `aws+${MEMBER_A}@example.com`,
      Status: 'ACTIVE',
      State: 'ACTIVE',
      JoinedMethod: 'CREATED',
      JoinedTimestamp: new Date(START),
      Paths: [`${org.organizationId}/${org.rootId}/${MEMBER_A}/`],
    });
  });

  it('shows a suspended account as SUSPENDED', async () => {
    const world = await makeWorld();
    world.services.organizations.suspendAccount(MEMBER_B);

    const { Account: account } = await orgsAs(world, SECURITY).send(
      new DescribeAccountCommand({ AccountId: MEMBER_B }),
    );

    expect(account?.Status).toBe('SUSPENDED');
  });

  it.each([
    [
      'AccountNotFoundException for an account outside the organisation',
      MANAGEMENT,
      OUTSIDER,
      { name: 'AccountNotFoundException' },
    ],
    [
      'InvalidInputException for an id that is not 12 digits',
      MANAGEMENT,
      '12345',
      { name: 'InvalidInputException', Reason: 'INVALID_PATTERN' },
    ],
    [
      'AccessDeniedException for a member that is not a delegated administrator',
      MEMBER_A,
      MEMBER_B,
      { name: 'AccessDeniedException' },
    ],
  ])('fails with %s', async (_what, caller, accountId, expected) => {
    const world = await makeWorld();

    const error = await failureOf(
      orgsAs(world, caller).send(new DescribeAccountCommand({ AccountId: accountId })),
    );

    expect(error).toMatchObject(expected);
  });
});

describe('listAccounts', () => {
  it('pages through every account, 20 at a time by default', async () => {
    const world = await makeLargeWorld(40);
    const orgs = orgsAs(world, SECURITY);

    const first = await orgs.send(new ListAccountsCommand({}));
    const second = await orgs.send(new ListAccountsCommand({ NextToken: first.NextToken }));
    const third = await orgs.send(new ListAccountsCommand({ NextToken: second.NextToken }));

    // 40 members + management + security
    expect([first, second, third].map((p) => p.Accounts?.length)).toEqual([20, 20, 2]);
    expect(third.NextToken).toBeUndefined();
    const ids = [first, second, third].flatMap((p) => p.Accounts?.map((a) => a.Id));
    expect(new Set(ids).size).toBe(42);
  });

  it('works with the SDK paginator and MaxResults', async () => {
    const world = await makeLargeWorld(10);
    const ids: string[] = [];

    for await (const page of paginateListAccounts({ client: orgsAs(world, MANAGEMENT), pageSize: 5 }, {})) {
      ids.push(...(page.Accounts ?? []).map((a) => a.Id!));
    }

    expect(ids).toHaveLength(12);
    expect(world.cloud.count({ service: 'organizations', operation: 'ListAccounts' })).toBe(3);
  });

  it.each([
    ['MaxResults 0', { MaxResults: 0 }, 'MIN_VALUE_EXCEEDED'],
    ['MaxResults 21', { MaxResults: 21 }, 'MAX_VALUE_EXCEEDED'],
    ['a NextToken it did not issue', { NextToken: 'forged' }, 'INVALID_NEXT_TOKEN'],
  ])('fails with InvalidInputException for %s', async (_what, input, reason) => {
    const world = await makeWorld();

    const error = await failureOf(orgsAs(world, MANAGEMENT).send(new ListAccountsCommand(input)));

    expect(error.name).toBe('InvalidInputException');
    expect(error.Reason).toBe(reason);
  });

  it("fails with InvalidInputException for another listing's NextToken", async () => {
    const world = await makeLargeWorld(5);
    const orgs = orgsAs(world, MANAGEMENT);
    const { NextToken } = await orgs.send(new ListAccountsCommand({ MaxResults: 2 }));

    const error = await failureOf(
      orgs.send(
        new ListAccountsForParentCommand({ ParentId: world.services.organizations.rootId, NextToken }),
      ),
    );

    expect(error.Reason).toBe('INVALID_NEXT_TOKEN');
  });

  it('fails with AccessDeniedException for a member account', async () => {
    const world = await makeWorld();

    const error = await failureOf(orgsAs(world, MEMBER_A).send(new ListAccountsCommand({})));

    expect(error.name).toBe('AccessDeniedException');
  });

  it('answers a delegated administrator', async () => {
    const world = await makeWorld({ delegatedServices: ['securityhub.amazonaws.com'] });

    const { Accounts } = await orgsAs(world, SECURITY).send(new ListAccountsCommand({}));

    expect(Accounts?.map((a) => a.Id)).toEqual([MANAGEMENT, SECURITY, MEMBER_A, MEMBER_B]);
  });
});

describe('organizational units', () => {
  async function makeWorldWithUnits() {
    const world = await makeWorld();
    const org = world.services.organizations;
    const workloads = org.addOrganizationalUnit('Workloads');
    const prod = org.addOrganizationalUnit('Prod', workloads);
    org.addAccount({ id: '555555555555', name: 'prod-app', email: 'prod@example.com', parentId: prod });
    return { world, org, workloads, prod };
  }

  it('gives OUs ids of the form ou-<root part>-<8 characters>', async () => {
    const { org, workloads } = await makeWorldWithUnits();

    expect(org.rootId).toMatch(/^r-[a-z0-9]{4}$/);
    expect(workloads).toMatch(new RegExp(`^ou-${org.rootId.slice(2)}-[a-z0-9]{8}$`));
  });

  it('lists the OUs under a parent', async () => {
    const { world, org, workloads, prod } = await makeWorldWithUnits();
    const orgs = orgsAs(world, MANAGEMENT);

    const top = await orgs.send(new ListOrganizationalUnitsForParentCommand({ ParentId: org.rootId }));
    const nested = await orgs.send(new ListOrganizationalUnitsForParentCommand({ ParentId: workloads }));

    expect(top.OrganizationalUnits?.map((u) => u.Name)).toEqual(['Workloads']);
    expect(nested.OrganizationalUnits).toEqual([
      {
        Id: prod,
        Name: 'Prod',
        Arn: `arn:aws:organizations::${MANAGEMENT}:ou/${org.organizationId}/${prod}`,
        Path: `${org.organizationId}/${org.rootId}/${workloads}/${prod}/`,
      },
    ]);
  });

  it('lists only the accounts directly under a parent', async () => {
    const { world, org, prod } = await makeWorldWithUnits();
    const orgs = orgsAs(world, MANAGEMENT);

    const underProd = await orgs.send(new ListAccountsForParentCommand({ ParentId: prod }));
    const underRoot = await orgs.send(new ListAccountsForParentCommand({ ParentId: org.rootId }));

    expect(underProd.Accounts?.map((a) => a.Id)).toEqual(['555555555555']);
    expect(underRoot.Accounts?.map((a) => a.Id)).toEqual([MANAGEMENT, SECURITY, MEMBER_A, MEMBER_B]);
  });

  it('names the parent of an account and of an OU', async () => {
    const { world, org, workloads, prod } = await makeWorldWithUnits();
    const orgs = orgsAs(world, SECURITY);

    const ofAccount = await orgs.send(new ListParentsCommand({ ChildId: '555555555555' }));
    const ofUnit = await orgs.send(new ListParentsCommand({ ChildId: workloads }));

    expect(ofAccount.Parents).toEqual([{ Id: prod, Type: 'ORGANIZATIONAL_UNIT' }]);
    expect(ofUnit.Parents).toEqual([{ Id: org.rootId, Type: 'ROOT' }]);
  });

  it('fails with ChildNotFoundException for an account outside the organisation', async () => {
    const { world } = await makeWorldWithUnits();

    const error = await failureOf(
      orgsAs(world, MANAGEMENT).send(new ListParentsCommand({ ChildId: OUTSIDER })),
    );

    expect(error.name).toBe('ChildNotFoundException');
  });

  it('fails with ParentNotFoundException for an OU that does not exist', async () => {
    const { world, org } = await makeWorldWithUnits();
    const missing = `ou-${org.rootId.slice(2)}-zzzzzzzz`;

    const error = await failureOf(
      orgsAs(world, MANAGEMENT).send(new ListAccountsForParentCommand({ ParentId: missing })),
    );

    expect(error.name).toBe('ParentNotFoundException');
  });

  it('fails with InvalidInputException for a malformed parent id', async () => {
    const { world } = await makeWorldWithUnits();

    const error = await failureOf(
      orgsAs(world, MANAGEMENT).send(new ListOrganizationalUnitsForParentCommand({ ParentId: 'not-an-ou' })),
    );

    expect(error.name).toBe('InvalidInputException');
    expect(error.Reason).toBe('INVALID_PATTERN');
  });
});

describe('organizations faults', () => {
  it('fails only the calls the injected rule names', async () => {
    const world = await makeWorld();
    world.cloud.faults.failOnCall({
      service: 'organizations',
      operation: 'DescribeAccount',
      onCall: 1,
      code: 'ServiceException',
      httpStatusCode: 500,
    });
    const orgs = orgsAs(world, MANAGEMENT);

    const error = await failureOf(orgs.send(new DescribeAccountCommand({ AccountId: MEMBER_A })));
    const listed = await orgs.send(new ListAccountsCommand({}));
    const described = await orgs.send(new DescribeAccountCommand({ AccountId: MEMBER_A }));

    expect(error.name).toBe('ServiceException');
    expect(error.$fault).toBe('server');
    expect(listed.Accounts).toHaveLength(4);
    expect(described.Account?.Id).toBe(MEMBER_A);
    expect(world.cloud.count({ service: 'organizations' })).toBe(3);
  });
});
