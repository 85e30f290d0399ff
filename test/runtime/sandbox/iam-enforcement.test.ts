import { DescribeNetworkAclsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GuardDutyClient, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SandboxCloud } from '../../../runtime/sandbox/cloud';
import { GuardDutySandbox } from '../../../runtime/sandbox/guardduty';
import { IamCoverage } from '../../../runtime/sandbox/iam-coverage';
import {
  factoryFor,
  failureOf,
  HOME_REGION,
  MEMBER_A,
  MEMBER_B,
  makeBareOrganization,
  OUTSIDER,
  SECURITY,
} from './fixtures';

/** A KMS key in the security account's home region whose key policy has `statements`. */
function keyOfSecurity(services: ReturnType<typeof makeCloud>['services'], statements: object[]) {
  return services.kms.createKey(SECURITY, HOME_REGION, {
    policy: { Version: '2012-10-17', Statement: statements },
  });
}

const TASK_ROLE = 'WardenTask';
const MEMBER_ROLE = 'WardenMemberRole';

/** STS in the security account, signed as `roleName` there. */
function securitySts(cloud: SandboxCloud, roleName: string): STSClient {
  return factoryFor(cloud, SECURITY, roleName).client(STSClient, { account: SECURITY, region: HOME_REGION });
}

function allow(action: string | string[], resource: string | string[] = '*', sid?: string) {
  return {
    Version: '2012-10-17',
    Statement: [{ ...(sid ? { Sid: sid } : {}), Effect: 'Allow', Action: action, Resource: resource }],
  };
}

/** An organisation of management, security and member A; member B stays outside it. */
const makeCloud = () => makeBareOrganization([SECURITY, MEMBER_A]);

function lambdaTrust() {
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ],
  };
}

/** The member role as Warden's StackSet declares it: the task role, inside the organisation. */
function memberTrust(organizationId: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${SECURITY}:role/${TASK_ROLE}` },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:PrincipalOrgID': organizationId } },
      },
    ],
  };
}

describe('IAM enforcement of identity policies', () => {
  it('allows a call an inline policy allows and records the statement that allowed it', async () => {
    const { cloud, services, coverage } = makeCloud();
    services.iam.createRole(SECURITY, TASK_ROLE, {
      trustPolicy: lambdaTrust(),
      inlinePolicies: { detectors: allow('guardduty:ListDetectors', '*', 'ReadDetectors') },
      declaredBy: { stack: 'WardenSecurity', logicalId: 'TaskRole' },
    });
    const gd = factoryFor(cloud, SECURITY, TASK_ROLE).client(GuardDutyClient, {
      account: SECURITY,
      region: HOME_REGION,
    });

    await expect(gd.send(new ListDetectorsCommand({}))).resolves.toMatchObject({ DetectorIds: [] });

    expect(coverage.snapshot().entries).toEqual([
      {
        role: 'WardenSecurity/TaskRole',
        roleName: TASK_ROLE,
        policy: 'detectors',
        statement: 'ReadDetectors',
        calls: { 'guardduty:ListDetectors *': 1 },
      },
    ]);
  });

  it('denies an action no policy allows, in GuardDuty’s AccessDeniedException shape, and changes nothing', async () => {
    const { cloud, services } = makeCloud();
    services.iam.createRole(SECURITY, TASK_ROLE, {
      trustPolicy: lambdaTrust(),
      inlinePolicies: { detectors: allow('guardduty:GetDetector') },
    });
    const gd = factoryFor(cloud, SECURITY, TASK_ROLE).client(GuardDutyClient, {
      account: SECURITY,
      region: HOME_REGION,
    });

    const error = await failureOf(gd.send(new ListDetectorsCommand({})));

    expect(error.name).toBe('AccessDeniedException');
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(403);
    expect(error.message).toBe(
      `User: arn:aws:sts::${SECURITY}:assumed-role/${TASK_ROLE}/warden is not authorized to perform: guardduty:ListDetectors on resource: * because no identity-based policy allows the guardduty:ListDetectors action`,
    );
    expect(cloud.calls.at(-1)).toMatchObject({ operation: 'ListDetectors', error: 'AccessDeniedException' });
  });

  it('names the resource the Service Authorization Reference lists (a detector ARN from the request)', async () => {
    const { cloud, services } = makeCloud();
    const detectorId = services.guardduty.ensureDetector(SECURITY, HOME_REGION);
    services.iam.createRole(SECURITY, TASK_ROLE, {
      trustPolicy: lambdaTrust(),
      inlinePolicies: {
        other: allow('guardduty:GetDetector', `arn:aws:guardduty:${HOME_REGION}:${SECURITY}:detector/other`),
      },
    });
    const gd = factoryFor(cloud, SECURITY, TASK_ROLE).client(GuardDutyClient, {
      account: SECURITY,
      region: HOME_REGION,
    });
    const { GetDetectorCommand } = await import('@aws-sdk/client-guardduty');

    const error = await failureOf(gd.send(new GetDetectorCommand({ DetectorId: detectorId })));

    expect(error.message).toContain(
      `on resource: arn:aws:guardduty:${HOME_REGION}:${SECURITY}:detector/${detectorId}`,
    );
  });

  it('answers EC2 with UnauthorizedOperation and SNS with AuthorizationError', async () => {
    const { cloud, services } = makeCloud();
    services.iam.createRole(SECURITY, TASK_ROLE, { trustPolicy: lambdaTrust() });
    const topic = services.sns.addTopic(SECURITY, HOME_REGION, 'warden-notifications');
    const factory = factoryFor(cloud, SECURITY, TASK_ROLE);

    const ec2 = await failureOf(
      factory
        .client(EC2Client, { account: SECURITY, region: HOME_REGION })
        .send(new DescribeNetworkAclsCommand({})),
    );
    const sns = await failureOf(
      factory
        .client(SNSClient, { account: SECURITY, region: HOME_REGION })
        .send(new PublishCommand({ TopicArn: topic, Message: 'hello' })),
    );

    expect(ec2.name).toBe('UnauthorizedOperation');
    expect(ec2.message).toMatch(/^You are not authorized to perform this operation\. /);
    expect((ec2.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(403);
    expect(sns.name).toBe('AuthorizationErrorException');
    expect(sns.Code).toBe('AuthorizationError');
    expect(sns.message).toContain('SNS:Publish');
    expect(services.sns.outbox).toHaveLength(0);
  });

  it('denies an explicit Deny even where another statement allows', async () => {
    const { cloud, services } = makeCloud();
    services.iam.createRole(SECURITY, TASK_ROLE, {
      trustPolicy: lambdaTrust(),
      inlinePolicies: {
        all: allow('guardduty:*'),
        guard: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 'guardduty:ListDetectors', Resource: '*' }],
        },
      },
    });
    const gd = factoryFor(cloud, SECURITY, TASK_ROLE).client(GuardDutyClient, {
      account: SECURITY,
      region: HOME_REGION,
    });

    const error = await failureOf(gd.send(new ListDetectorsCommand({})));

    expect(error.message).toContain('with an explicit deny in an identity-based policy');
  });

  it('evaluates managed policies attached to the role', async () => {
    const { cloud, services } = makeCloud();
    const policyArn = services.iam.createPolicy(
      SECURITY,
      'ReadOrganization',
      allow('organizations:ListAccounts'),
    );
    services.iam.createRole(SECURITY, TASK_ROLE, {
      trustPolicy: lambdaTrust(),
      managedPolicyArns: [policyArn],
    });
    services.organizations.registerDelegatedAdministrator(SECURITY, 'guardduty.amazonaws.com');
    const org = factoryFor(cloud, SECURITY, TASK_ROLE).client(OrganizationsClient, {
      account: SECURITY,
      region: 'us-east-1',
    });

    await expect(org.send(new ListAccountsCommand({}))).resolves.toMatchObject({
      Accounts: expect.any(Array),
    });
  });

  it('needs no permission for GetCallerIdentity', async () => {
    const { cloud, services } = makeCloud();
    services.iam.createRole(SECURITY, TASK_ROLE, { trustPolicy: lambdaTrust() });
    const sts = securitySts(cloud, TASK_ROLE);

    await expect(sts.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Account: SECURITY });
  });
});

describe('IAM enforcement of every principal', () => {
  it.each([
    ['a role without policies', 'legacy'],
    ['a session of a role the account does not have', 'NoSuchRole'],
  ])('denies %s, as AWS would', async (_what, roleName) => {
    const { cloud, services } = makeCloud();
    services.iam.createRole(SECURITY, 'legacy', 'lambda.amazonaws.com');
    const gd = factoryFor(cloud, SECURITY, roleName).client(GuardDutyClient, {
      account: SECURITY,
      region: HOME_REGION,
    });

    const error = await failureOf(gd.send(new ListDetectorsCommand({})));

    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toContain(`role/${roleName}`);
  });

  it('evaluates the calls of a cloud without the IAM service too: there only an account root can act', async () => {
    const cloud = new SandboxCloud({ iamCoverage: new IamCoverage() });
    cloud.register(
      new GuardDutySandbox({
        now: () => 0,
        organizationManagementAccount: MEMBER_A,
        isOrganizationAccount: () => false,
      }),
    );
    const as = (roleName?: string) =>
      factoryFor(cloud, SECURITY, roleName).client(GuardDutyClient, {
        account: SECURITY,
        region: HOME_REGION,
      });

    const refused = await failureOf(as('legacy').send(new ListDetectorsCommand({})));

    expect(refused.name).toBe('AccessDeniedException');
    await expect(as().send(new ListDetectorsCommand({}))).resolves.toMatchObject({ DetectorIds: [] });
  });

  it('evaluates a role as soon as it is given a policy', async () => {
    const { cloud, services } = makeCloud();
    services.iam.createRole(SECURITY, 'legacy', 'lambda.amazonaws.com');
    services.iam.putRolePolicy(SECURITY, 'legacy', 'only-get', allow('guardduty:GetDetector'));
    const gd = factoryFor(cloud, SECURITY, 'legacy').client(GuardDutyClient, {
      account: SECURITY,
      region: HOME_REGION,
    });

    expect((await failureOf(gd.send(new ListDetectorsCommand({})))).name).toBe('AccessDeniedException');
  });

  it('evaluates each distinct request once and answers repeats from the cache, until a policy changes', async () => {
    const { cloud, services } = makeCloud();
    services.iam.createRole(SECURITY, 'CachedTask', {
      trustPolicy: lambdaTrust(),
      inlinePolicies: { detectors: allow('guardduty:ListDetectors') },
    });
    const gd = factoryFor(cloud, SECURITY, 'CachedTask').client(GuardDutyClient, {
      account: SECURITY,
      region: HOME_REGION,
    });

    for (let i = 0; i < 20; i += 1) await gd.send(new ListDetectorsCommand({}));
    services.iam.putRolePolicy(SECURITY, 'CachedTask', 'detectors', allow('guardduty:GetDetector'));
    const denied = await failureOf(gd.send(new ListDetectorsCommand({})));

    expect(cloud.iam.stats).toMatchObject({ authorized: 21, evaluations: 2, cacheHits: 19 });
    expect(denied.name).toBe('AccessDeniedException');
  });
});

describe('AssumeRole against the trust policy', () => {
  function makeAssumeWorld() {
    const world = makeCloud();
    const { services } = world;
    services.iam.createRole(SECURITY, TASK_ROLE, {
      trustPolicy: lambdaTrust(),
      inlinePolicies: { assume: allow('sts:AssumeRole', `arn:aws:iam::*:role/${MEMBER_ROLE}`) },
    });
    services.iam.createRole(MEMBER_A, MEMBER_ROLE, {
      trustPolicy: memberTrust(services.organizations.organizationId),
    });
    return world;
  }
  const assume = (account: string) =>
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${account}:role/${MEMBER_ROLE}`,
      RoleSessionName: 'warden',
    });

  it('lets the trusted role of the organisation assume the member role', async () => {
    const { cloud } = makeAssumeWorld();
    const sts = securitySts(cloud, TASK_ROLE);

    await expect(sts.send(assume(MEMBER_A))).resolves.toMatchObject({
      AssumedRoleUser: { Arn: `arn:aws:sts::${MEMBER_A}:assumed-role/${MEMBER_ROLE}/warden` },
    });
  });

  it('refuses another role of the trusted account (wrong principal)', async () => {
    const { cloud, services } = makeAssumeWorld();
    services.iam.createRole(SECURITY, 'WardenTask-Impostor', {
      trustPolicy: lambdaTrust(),
      inlinePolicies: { assume: allow('sts:AssumeRole') },
    });
    const sts = securitySts(cloud, 'WardenTask-Impostor');

    const error = await failureOf(sts.send(assume(MEMBER_A)));

    expect(error.name).toBe('AccessDenied');
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(403);
  });

  it('refuses the trusted role once its account has left the organisation (aws:PrincipalOrgID fails)', async () => {
    const { cloud, services } = makeAssumeWorld();
    services.organizations.removeAccount(SECURITY);
    const sts = securitySts(cloud, TASK_ROLE);

    expect((await failureOf(sts.send(assume(MEMBER_A)))).name).toBe('AccessDenied');
  });

  it('refuses a trusted caller whose own policy does not allow sts:AssumeRole (cross-account needs both)', async () => {
    const { cloud, services } = makeAssumeWorld();
    services.iam.putRolePolicy(SECURITY, TASK_ROLE, 'assume', allow('guardduty:ListDetectors'));
    const sts = securitySts(cloud, TASK_ROLE);

    expect((await failureOf(sts.send(assume(MEMBER_A)))).name).toBe('AccessDenied');
  });

  it('refuses an account outside the organisation even when the trust policy names its root', async () => {
    const { cloud, services } = makeCloud();
    services.iam.createRole(MEMBER_A, 'OrgOnly', {
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: [`arn:aws:iam::${OUTSIDER}:root`, `arn:aws:iam::${SECURITY}:root`] },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:PrincipalOrgID': services.organizations.organizationId } },
          },
        ],
      },
    });
    const outsider = factoryFor(cloud, OUTSIDER).client(STSClient, {
      account: OUTSIDER,
      region: HOME_REGION,
    });
    const insider = factoryFor(cloud, SECURITY).client(STSClient, { account: SECURITY, region: HOME_REGION });
    const command = new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${MEMBER_A}:role/OrgOnly`,
      RoleSessionName: 'x1',
    });

    expect((await failureOf(outsider.send(command))).name).toBe('AccessDenied');
    await expect(insider.send(command)).resolves.toMatchObject({ Credentials: expect.any(Object) });
  });
});

describe('resource-based policies', () => {
  const topicName = 'warden-notifications';
  function makeTopicWorld(policy?: object) {
    const world = makeCloud();
    const topic = world.services.sns.addTopic(SECURITY, HOME_REGION, topicName, policy ? { policy } : {});
    world.services.iam.createRole(MEMBER_B, 'Publisher', {
      trustPolicy: lambdaTrust(),
      inlinePolicies: { publish: allow('sns:Publish', topic) },
    });
    world.services.iam.createRole(SECURITY, 'LocalPublisher', { trustPolicy: lambdaTrust() });
    return { ...world, topic };
  }
  const publish = (cloud: SandboxCloud, account: string, role: string, topic: string) =>
    factoryFor(cloud, account, role)
      .client(SNSClient, { account, region: HOME_REGION })
      .send(new PublishCommand({ TopicArn: topic, Message: 'hello' }));

  it('refuses a cross-account publish the topic policy does not admit, though the identity policy allows it', async () => {
    const { cloud, topic } = makeTopicWorld();

    const error = await failureOf(publish(cloud, MEMBER_B, 'Publisher', topic));

    expect(error.name).toBe('AuthorizationErrorException');
    expect(error.message).toContain('because no resource-based policy allows the SNS:Publish action');
  });

  it.each([
    [
      'a cross-account publish when both the identity policy and the topic policy allow it',
      MEMBER_B,
      'Publisher',
      `arn:aws:iam::${MEMBER_B}:root`,
    ],
    [
      'a same-account publish that only the topic policy grants',
      SECURITY,
      'LocalPublisher',
      `arn:aws:iam::${SECURITY}:role/LocalPublisher`,
    ],
  ])('allows %s', async (_what, account, role, admitted) => {
    const { cloud, services, topic } = makeTopicWorld();
    services.sns.setTopicPolicy(topic, {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: admitted }, Action: 'sns:Publish', Resource: topic }],
    });

    await expect(publish(cloud, account, role, topic)).resolves.toMatchObject({
      MessageId: expect.any(String),
    });
    expect(services.sns.outbox).toHaveLength(1);
  });

  it('lets EventBridge publish to a topic only when the topic policy admits events.amazonaws.com', async () => {
    const { cloud, services, topic } = makeTopicWorld();
    const request = {
      servicePrincipal: 'events.amazonaws.com',
      action: 'sns:Publish',
      resource: topic,
      sourceAccount: SECURITY,
      sourceArn: `arn:aws:events:${HOME_REGION}:${SECURITY}:rule/warden-findings`,
    };
    const before = await cloud.iam.decideForService(request);
    services.sns.setTopicPolicy(topic, {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: topic,
          Condition: { ArnEquals: { 'aws:SourceArn': request.sourceArn } },
        },
      ],
    });
    const after = await cloud.iam.decideForService(request);
    const otherRule = await cloud.iam.decideForService({
      ...request,
      sourceArn: `${request.sourceArn}-other`,
    });

    expect([before.allowed, after.allowed, otherRule.allowed]).toEqual([false, true, false]);
  });

  it('lets GuardDuty write to a bucket and use a key only as their policies admit it', async () => {
    const { cloud, services } = makeCloud();
    const key = keyOfSecurity(services, [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${SECURITY}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Sid: 'GuardDutyEncrypts',
        Effect: 'Allow',
        Principal: { Service: 'guardduty.amazonaws.com' },
        Action: 'kms:GenerateDataKey',
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': SECURITY } },
      },
    ]);
    services.s3.createBucket(SECURITY, HOME_REGION, 'warden-findings-example', {
      policy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'guardduty.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: 'arn:aws:s3:::warden-findings-example/*',
            Condition: { StringEquals: { 'aws:SourceAccount': SECURITY } },
          },
        ],
      },
    });
    const asGuardDuty = (action: string, resource: string, sourceAccount = SECURITY) =>
      cloud.iam.decideForService({
        servicePrincipal: 'guardduty.amazonaws.com',
        action,
        resource,
        sourceAccount,
      });

    expect(
      (await asGuardDuty('s3:PutObject', 'arn:aws:s3:::warden-findings-example/AWSLogs/x.jsonl.gz')).allowed,
    ).toBe(true);
    expect((await asGuardDuty('kms:GenerateDataKey', key.arn)).allowed).toBe(true);
    expect(
      (await asGuardDuty('s3:PutObject', 'arn:aws:s3:::warden-findings-example/x', OUTSIDER)).allowed,
    ).toBe(false);
    expect((await asGuardDuty('kms:Decrypt', key.arn)).allowed).toBe(false);
  });

  it('refuses a key use that only an identity policy grants when the key policy does not delegate to the account', async () => {
    const { cloud, services } = makeCloud();
    const key = keyOfSecurity(services, [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${SECURITY}:role/KeyAdmin` },
        Action: 'kms:*',
        Resource: '*',
      },
    ]);
    services.iam.createRole(SECURITY, TASK_ROLE, {
      trustPolicy: lambdaTrust(),
      inlinePolicies: { kms: allow('kms:*') },
    });
    const decision = await cloud.iam.decide(
      {
        account: SECURITY,
        roleName: TASK_ROLE,
        arn: `arn:aws:sts::${SECURITY}:assumed-role/${TASK_ROLE}/warden`,
      },
      {
        action: 'kms:Decrypt',
        resource: key.arn,
        resourceAccount: SECURITY,
        region: HOME_REGION,
        context: {},
      },
    );

    expect(decision).toMatchObject({ allowed: false });
  });
});

describe('policy documents', () => {
  it('refuses a malformed policy by name and changes nothing', () => {
    const { services } = makeCloud();

    expect(() =>
      services.iam.createRole(SECURITY, TASK_ROLE, {
        trustPolicy: lambdaTrust(),
        inlinePolicies: {
          broken: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'x:y' }] },
        },
      }),
    ).toThrow(/inline policy broken of role WardenTask is not a valid identity policy/);
    expect(services.iam.role(SECURITY, TASK_ROLE)).toBeUndefined();
  });

  it('refuses a managed policy ARN that does not exist', () => {
    const { services } = makeCloud();

    expect(() =>
      services.iam.createRole(SECURITY, TASK_ROLE, {
        trustPolicy: lambdaTrust(),
        managedPolicyArns: [`arn:aws:iam::${SECURITY}:policy/Missing`],
      }),
    ).toThrow(`managed policy arn:aws:iam::${SECURITY}:policy/Missing of role ${TASK_ROLE} does not exist`);
  });
});

describe('keys used on the caller’s behalf', () => {
  it('needs the bucket key’s permission, through S3 only, to write to an SSE-KMS bucket', async () => {
    const { cloud, services } = makeCloud();
    const key = services.kms.createKey(SECURITY, HOME_REGION);
    services.s3.createBucket(SECURITY, HOME_REGION, 'warden-audit-example', { kmsKeyArn: key.arn });
    const principal = (role: string) => ({
      account: SECURITY,
      roleName: role,
      arn: `arn:aws:sts::${SECURITY}:assumed-role/${role}/warden`,
    });
    services.iam.createRole(SECURITY, 'Archiver', {
      trustPolicy: lambdaTrust(),
      inlinePolicies: {
        write: allow('s3:PutObject', 'arn:aws:s3:::warden-audit-example/*'),
        key: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'kms:GenerateDataKey',
              Resource: key.arn,
              Condition: { StringEquals: { 'kms:ViaService': `s3.${HOME_REGION}.amazonaws.com` } },
            },
          ],
        },
      },
    });
    services.iam.createRole(SECURITY, 'NoKey', {
      trustPolicy: lambdaTrust(),
      inlinePolicies: { write: allow('s3:PutObject', 'arn:aws:s3:::warden-audit-example/*') },
    });
    const authorize = (role: string) =>
      cloud.iam.authorizeCall(
        's3',
        'PutObject',
        { Bucket: 'warden-audit-example', Key: 'a.json' },
        principal(role),
        HOME_REGION,
      );

    await expect(authorize('Archiver')).resolves.toBeUndefined();
    const error = await failureOf(authorize('NoKey'));

    expect(error.name).toBe('AccessDenied');
    expect(error.message).toContain(`kms:GenerateDataKey on resource: ${key.arn}`);
  });
});
