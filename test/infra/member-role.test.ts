import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MemberRoleStack } from '../../infra/stacks/member-role-stack';
import { deployedFunctions } from '../../infra/task-catalog';
import { TRIGGERED_FUNCTIONS } from '../../infra/triggers';
import { WORKFLOWS } from '../../workflows/index';
import {
  actionsOf,
  asArray,
  exampleConfig,
  type Json,
  nagViolations,
  type PolicyStatementJson,
  resolveLiterals,
  TEST_APP_PROPS,
} from './helpers';

const config = exampleConfig();
let stack: MemberRoleStack;
let template: Template;

beforeAll(() => {
  stack = new MemberRoleStack(new App(TEST_APP_PROPS), 'WardenMemberRole', { config });
  template = Template.fromStack(stack);
});

function role(): Record<string, Json> {
  const roles = Object.values(template.findResources('AWS::IAM::Role'));
  expect(roles).toHaveLength(1);
  return roles[0].Properties;
}

function statements(): PolicyStatementJson[] {
  return role().Policies.flatMap(
    (p: { PolicyDocument: { Statement: PolicyStatementJson[] } }) => p.PolicyDocument.Statement,
  );
}

describe('MemberRoleStack', () => {
  it('creates only the member role, named from the config', () => {
    expect(Object.values(template.toJSON().Resources).map((r: Json) => r.Type)).toEqual(['AWS::IAM::Role']);
    expect(role().RoleName).toBe('WardenMemberRole');
  });

  it('trusts exactly the task roles that assume it, from within the organisation', () => {
    const users = [...deployedFunctions(WORKFLOWS, TRIGGERED_FUNCTIONS).values()]
      .filter((t) => t.needs.assumeMemberRole)
      .map((t) => `arn:aws:iam::222222222222:role/WardenTask-${t.id}`)
      .sort();
    expect(users).toContain('arn:aws:iam::222222222222:role/WardenTask-BlockAddresses');
    expect(users).not.toContain('arn:aws:iam::222222222222:role/WardenTask-IntakeFinding');
    expect(resolveLiterals(role().AssumeRolePolicyDocument.Statement)).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { AWS: 'arn:aws:iam::222222222222:root' },
        Condition: {
          ArnEquals: { 'aws:PrincipalArn': users },
          StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' },
        },
      },
    ]);
    // No prefix match: a role someone else creates in the security account is not trusted.
    expect(JSON.stringify(role().AssumeRolePolicyDocument)).not.toContain('ArnLike');
  });

  it('allows exactly the union of what the tasks that assume it call in member accounts', () => {
    const declared = new Set(
      [...deployedFunctions(WORKFLOWS, TRIGGERED_FUNCTIONS).values()].flatMap(
        (t) => t.needs.memberActions ?? [],
      ),
    );
    expect([...actionsOf(statements())].sort()).toEqual([...declared].sort());
    expect([...declared].sort()).toEqual(
      [
        'ec2:DescribeNetworkAcls',
        'ec2:CreateNetworkAclEntry',
        'ec2:DeleteNetworkAclEntry',
        'guardduty:CreateDetector',
        'guardduty:ListDetectors',
        'guardduty:ListInvitations',
        'guardduty:AcceptAdministratorInvitation',
        'guardduty:GetAdministratorAccount',
        'iam:GetAccountPasswordPolicy',
        // GuardDuty creates its service-linked roles on the caller's behalf on first CreateDetector.
        'iam:CreateServiceLinkedRole',
      ].sort(),
    );
    // Nothing any task does not call.
    for (const unused of [
      'guardduty:UpdateDetector',
      'guardduty:GetDetector',
      'ec2:DescribeInstances',
      'ec2:DescribeSubnets',
      'ec2:DescribeRegions',
    ]) {
      expect(actionsOf(statements()).has(unused)).toBe(false);
    }
  });

  it('grants GuardDuty member calls on * in Warden regions, as the reference lists no resource type for them', () => {
    const guardDuty = statements().filter((s) => asArray(s.Action).some((a) => a.startsWith('guardduty:')));
    expect(guardDuty).toHaveLength(1);
    expect(guardDuty[0]!.Resource).toBe('*');
    expect(guardDuty[0]!.Condition).toEqual({
      StringEquals: { 'aws:RequestedRegion': config.organization.regions },
    });
  });

  it('changes NACL entries only on network ACLs, in Warden regions', () => {
    const write = statements().filter((s) => asArray(s.Action).includes('ec2:CreateNetworkAclEntry'));
    expect(write).toHaveLength(1);
    expect(asArray(write[0].Action).sort()).toEqual([
      'ec2:CreateNetworkAclEntry',
      'ec2:DeleteNetworkAclEntry',
    ]);
    expect(JSON.stringify(write[0].Resource)).toContain(':network-acl/*');
    expect(write[0].Condition).toEqual({
      StringEquals: { 'aws:RequestedRegion': config.organization.regions },
    });
  });

  it('lets iam:CreateServiceLinkedRole create only GuardDuty service-linked roles', () => {
    const [slr] = statements().filter((s) => asArray(s.Action).includes('iam:CreateServiceLinkedRole'));
    expect(slr.Condition).toEqual({
      StringEquals: {
        'iam:AWSServiceName': ['guardduty.amazonaws.com', 'malware-protection.guardduty.amazonaws.com'],
      },
    });
  });

  it('has no wildcard action', () => {
    expect([...actionsOf(statements())].filter((a) => a.includes('*'))).toEqual([]);
  });

  it('needs no CDK bootstrap in member accounts', () => {
    expect(template.toJSON().Parameters?.BootstrapVersion).toBeUndefined();
    expect(template.toJSON().Rules).toBeUndefined();
  });

  it('has no unacknowledged AwsSolutions error or warning', () => {
    expect(nagViolations(stack)).toEqual([]);
  });
});
