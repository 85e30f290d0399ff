import { SandboxCloud } from '../../../runtime/sandbox/cloud';
import { IamCoverage } from '../../../runtime/sandbox/iam-coverage';
import { type IamDirectory, iamRequestsFor } from '../../../runtime/sandbox/iam-requests';
import { registerCoreServices } from '../../../runtime/sandbox/world';
import { HOME_REGION, MANAGEMENT, MEMBER_A, makeClock, SECURITY } from './fixtures';

const directory: IamDirectory = {
  organizationId: 'o-abcdefghij',
  managementAccountId: MANAGEMENT,
  rolePath: (_account, roleName) => (roleName === 'Deep' ? '/warden/' : '/'),
};

const requestsOf = (service: string, operation: string, input: Record<string, unknown> = {}) =>
  iamRequestsFor({ service, operation, input, callerAccount: SECURITY, region: HOME_REGION }, directory);

describe('IAM requests of sandbox calls', () => {
  it('maps every operation every sandbox service implements to an action of the Service Authorization Reference', async () => {
    const cloud = new SandboxCloud({ iamCoverage: new IamCoverage() });
    const services = registerCoreServices(cloud, makeClock().clock, {
      managementAccount: { id: MANAGEMENT, name: 'management', email: 'management@example.com' },
    });
    const operations = Object.values(services).flatMap((s) =>
      Object.keys(s.operations).map((op) => [s.name, op]),
    );
    const sfn = ['StartExecution', 'DescribeExecution', 'StopExecution', 'ListExecutions', 'SendTaskSuccess'];
    const dynamo = ['Get', 'Put', 'Update', 'Delete', 'Query', 'Scan', 'CreateTable', 'DescribeTable'];

    const mapped = await Promise.all(
      [...operations, ...sfn.map((op) => ['sfn', op]), ...dynamo.map((op) => ['dynamodb', op])].map(
        async ([service, op]) => (await requestsOf(service!, op!)).map((r) => r.action),
      ),
    );

    expect(operations.length).toBeGreaterThan(50);
    expect(mapped.flat()).toEqual(
      expect.arrayContaining(['states:StartExecution', 'dynamodb:GetItem', 'sts:AssumeRole']),
    );
  });

  it.each([
    [
      'sfn',
      'DescribeExecution',
      { executionArn: `arn:aws:states:${HOME_REGION}:${SECURITY}:execution:warden-response:abc` },
      'states:DescribeExecution',
      `arn:aws:states:${HOME_REGION}:${SECURITY}:execution:warden-response:abc`,
    ],
    [
      'sfn',
      'StartExecution',
      { stateMachineArn: `arn:aws:states:${HOME_REGION}:${SECURITY}:stateMachine:warden-response` },
      'states:StartExecution',
      `arn:aws:states:${HOME_REGION}:${SECURITY}:stateMachine:warden-response`,
    ],
    ['sfn', 'SendTaskSuccess', { taskToken: 't', output: '{}' }, 'states:SendTaskSuccess', '*'],
    [
      'dynamodb',
      'Query',
      { TableName: 'warden-blocks', IndexName: 'by-expiry' },
      'dynamodb:Query',
      `arn:aws:dynamodb:${HOME_REGION}:${SECURITY}:table/warden-blocks/index/by-expiry`,
    ],
    [
      'dynamodb',
      'Get',
      { TableName: 'warden-blocks' },
      'dynamodb:GetItem',
      `arn:aws:dynamodb:${HOME_REGION}:${SECURITY}:table/warden-blocks`,
    ],
    [
      'sts',
      'AssumeRole',
      { RoleArn: `arn:aws:iam::${MEMBER_A}:role/WardenMemberRole`, RoleSessionName: 'warden' },
      'sts:AssumeRole',
      `arn:aws:iam::${MEMBER_A}:role/WardenMemberRole`,
    ],
    ['iam', 'GetRole', { RoleName: 'Deep' }, 'iam:GetRole', `arn:aws:iam::${SECURITY}:role/warden/Deep`],
    [
      'organizations',
      'DescribeAccount',
      { AccountId: MEMBER_A },
      'organizations:DescribeAccount',
      `arn:aws:organizations::${MANAGEMENT}:account/o-abcdefghij/${MEMBER_A}`,
    ],
    [
      'account',
      'ListRegions',
      { AccountId: MEMBER_A },
      'account:ListRegions',
      `arn:aws:account::${MANAGEMENT}:account/o-abcdefghij/${MEMBER_A}`,
    ],
    ['account', 'ListRegions', {}, 'account:ListRegions', `arn:aws:account::${SECURITY}:account`],
    [
      'ec2',
      'CreateNetworkAclEntry',
      { NetworkAclId: 'acl-0123456789abcdef0' },
      'ec2:CreateNetworkAclEntry',
      `arn:aws:ec2:${HOME_REGION}:${SECURITY}:network-acl/acl-0123456789abcdef0`,
    ],
    ['ec2', 'DescribeNetworkAcls', {}, 'ec2:DescribeNetworkAcls', '*'],
    [
      's3',
      'PutObject',
      { Bucket: 'warden-audit', Key: 'a/b.json' },
      's3:PutObject',
      'arn:aws:s3:::warden-audit/a/b.json',
    ],
    [
      'sns',
      'Publish',
      { TopicArn: `arn:aws:sns:${HOME_REGION}:${SECURITY}:warden-notifications` },
      'sns:Publish',
      `arn:aws:sns:${HOME_REGION}:${SECURITY}:warden-notifications`,
    ],
    [
      'guardduty',
      'GetDetector',
      { DetectorId: 'abc' },
      'guardduty:GetDetector',
      `arn:aws:guardduty:${HOME_REGION}:${SECURITY}:detector/abc`,
    ],
    ['guardduty', 'CreateMembers', { DetectorId: 'abc' }, 'guardduty:CreateMembers', '*'],
  ])('%s %s → %s', async (service, operation, input, action, resource) => {
    const [request] = await requestsOf(service, operation, input);

    expect(request).toMatchObject({ action, resource });
  });

  it('asks for the Organizations permissions that designating GuardDuty’s delegated administrator needs', async () => {
    const requests = await requestsOf('guardduty', 'EnableOrganizationAdminAccount', {
      AdminAccountId: SECURITY,
    });

    expect(requests.map((r) => [r.action, r.resource])).toEqual([
      ['guardduty:EnableOrganizationAdminAccount', '*'],
      ['organizations:EnableAWSServiceAccess', '*'],
      [
        'organizations:RegisterDelegatedAdministrator',
        `arn:aws:organizations::${MANAGEMENT}:account/o-abcdefghij/${SECURITY}`,
      ],
    ]);
  });

  it('authorizes nothing for GetCallerIdentity', async () => {
    expect(await requestsOf('sts', 'GetCallerIdentity')).toEqual([]);
  });

  it('authorizes a batch on each of its tables', async () => {
    const requests = await requestsOf('dynamodb', 'BatchWrite', { RequestItems: { a: [], b: [] } });

    expect(requests.map((r) => r.resource)).toEqual([
      `arn:aws:dynamodb:${HOME_REGION}:${SECURITY}:table/a`,
      `arn:aws:dynamodb:${HOME_REGION}:${SECURITY}:table/b`,
    ]);
  });
});
