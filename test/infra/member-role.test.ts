import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MemberRoleStack } from '../../infra/stacks/member-role-stack';
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

  it("trusts only Warden's task roles in the security account", () => {
    expect(resolveLiterals(role().AssumeRolePolicyDocument.Statement)).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { AWS: 'arn:aws:iam::222222222222:root' },
        Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::222222222222:role/WardenTask-*' } },
      },
    ]);
  });

  it('allows exactly the NACL, GuardDuty member and IAM calls Warden makes', () => {
    expect([...actionsOf(statements())].sort()).toEqual(
      [
        'ec2:DescribeNetworkAcls',
        'ec2:DescribeRegions',
        'ec2:DescribeSubnets',
        'ec2:DescribeInstances',
        'ec2:CreateNetworkAclEntry',
        'ec2:DeleteNetworkAclEntry',
        'guardduty:CreateDetector',
        'guardduty:GetDetector',
        'guardduty:ListDetectors',
        'guardduty:UpdateDetector',
        'guardduty:ListInvitations',
        'guardduty:AcceptAdministratorInvitation',
        'guardduty:GetAdministratorAccount',
        'iam:GetAccountPasswordPolicy',
        // GuardDuty creates its service-linked roles on the caller's behalf on first CreateDetector.
        'iam:CreateServiceLinkedRole',
      ].sort(),
    );
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
