import { isDeepStrictEqual } from 'node:util';
import { Template } from 'aws-cdk-lib/assertions';
import { renderMemberRoleTemplate } from '../../infra/stacks/member-role-stack';
import {
  exampleConfig,
  fakeTask,
  fakeWorkflow,
  literal,
  nagViolations,
  resolveLiterals,
  type Synthesized,
  synthWarden,
} from './helpers';

let synth: Synthesized;
let template: Template;

beforeAll(() => {
  synth = synthWarden(exampleConfig());
  template = Template.fromStack(synth.management);
});

describe('ManagementStack', () => {
  it('is deployed to the management account in the Control Tower home region, not Warden’s', () => {
    expect(synth.config.organization.homeRegion).toBe('eu-west-1');
    expect(synth.management.account).toBe('111111111111');
    expect(synth.management.region).toBe('us-east-1');
  });

  it('fails synthesis without the Control Tower home region, saying why it is needed', () => {
    const { controlTowerHomeRegion: _, ...organization } = exampleConfig().organization;
    expect(() => synthWarden(exampleConfig({ organization }), [])).toThrow(
      /organization.controlTowerHomeRegion is required to deploy Warden: Control Tower emits account lifecycle events only in its home region/,
    );
  });

  it("forwards exactly Control Tower's account lifecycle events to the security account's default bus", () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')).filter(
      (r) => r.Properties.EventPattern.source[0] === 'aws.controltower',
    );
    expect(rules).toHaveLength(1);
    expect(rules[0].Properties.EventPattern).toEqual({
      source: ['aws.controltower'],
      'detail-type': ['AWS Service Event via CloudTrail'],
      detail: { eventName: ['CreateManagedAccount', 'UpdateManagedAccount'] },
    });
    const [target] = rules[0].Properties.Targets;
    expect(literal(target.Arn)).toBe('arn:aws:events:eu-west-1:222222222222:event-bus/default');
    expect(target.RoleArn).toBeDefined();
  });

  it("forwards Organizations' account events (joined, created, moved, removed) to the same bus, and no others", () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    expect(rules).toHaveLength(2);
    const organizations = rules.find((r) => r.Properties.EventPattern.source[0] === 'aws.organizations')!;
    expect(organizations.Properties.EventPattern).toEqual({
      source: ['aws.organizations'],
      'detail-type': ['AWS API Call via CloudTrail', 'AWS Service Event via CloudTrail'],
      detail: {
        eventSource: ['organizations.amazonaws.com'],
        eventName: ['CreateAccountResult', 'AcceptHandshake', 'MoveAccount', 'RemoveAccountFromOrganization'],
      },
    });
    expect(literal(organizations.Properties.Targets[0].Arn)).toBe(
      'arn:aws:events:eu-west-1:222222222222:event-bus/default',
    );
  });

  it('keeps the Organizations rule in this stack only when it is in us-east-1, where Organizations delivers its events', () => {
    expect(synth.management.region).toBe('us-east-1');
    expect(synth.organizationsEvents).toBeUndefined();
  });

  describe('with the Control Tower home region outside us-east-1', () => {
    let other: Synthesized;
    beforeAll(() => {
      other = synthWarden(
        exampleConfig({
          organization: { ...exampleConfig().organization, controlTowerHomeRegion: 'eu-west-1' },
        }),
      );
    });

    it('forwards Control Tower events from the home region but no Organizations events from there', () => {
      expect(other.management.region).toBe('eu-west-1');
      const sources = Object.values(
        Template.fromStack(other.management).findResources('AWS::Events::Rule'),
      ).map((r) => r.Properties.EventPattern.source[0]);
      expect(sources).toEqual(['aws.controltower']);
    });

    it("forwards Organizations' account events from us-east-1 in the management account to the security bus", () => {
      const stack = other.organizationsEvents!;
      expect(stack.stackName).toBe('WardenOrganizationsEvents');
      expect(stack.account).toBe('111111111111');
      expect(stack.region).toBe('us-east-1');
      const rules = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'));
      expect(rules).toHaveLength(1);
      expect(rules[0].Properties.EventPattern.source).toEqual(['aws.organizations']);
      expect(rules[0].Properties.EventPattern.detail.eventName).toEqual([
        'CreateAccountResult',
        'AcceptHandshake',
        'MoveAccount',
        'RemoveAccountFromOrganization',
      ]);
      const [target] = rules[0].Properties.Targets;
      // Cross-region delivery to the home region's bus needs the rule's role.
      expect(literal(target.Arn)).toBe('arn:aws:events:eu-west-1:222222222222:event-bus/default');
      expect(target.RoleArn).toBeDefined();
      expect(nagViolations(stack)).toEqual([]);
    });
  });

  it('lets the forwarding roles put events on that bus only', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement,
    );
    const onlyStatement = {
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Resource: 'arn:aws:events:eu-west-1:222222222222:event-bus/default',
    };
    expect(resolveLiterals(statements)).toEqual([onlyStatement, onlyStatement]);
  });

  it('deploys the member role with a service-managed, auto-deploying StackSet', () => {
    const [stackSet] = Object.values(template.findResources('AWS::CloudFormation::StackSet'));
    expect(stackSet.Properties).toMatchObject({
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    });
    expect(stackSet.Properties.StackInstancesGroup).toHaveLength(1);
    expect(stackSet.Properties.StackInstancesGroup[0].Regions).toEqual(['eu-west-1']);
    expect(JSON.parse(stackSet.Properties.TemplateBody)).toEqual(renderMemberRoleTemplate(synth.config));
  });

  it('asks for the deployment targets as a parameter when the config does not name them', () => {
    const [stackSet] = Object.values(template.findResources('AWS::CloudFormation::StackSet'));
    const targets = stackSet.Properties.StackInstancesGroup[0].DeploymentTargets.OrganizationalUnitIds;
    expect(targets).toEqual({ Ref: 'MemberRoleDeploymentTargets' });
    template.hasParameter('MemberRoleDeploymentTargets', { Type: 'CommaDelimitedList' });
  });

  it('deploys to the configured root or OUs when the config names them', () => {
    const config = exampleConfig({
      organization: { ...exampleConfig().organization, memberRoleTargets: ['r-ab12', 'ou-ab12-cdef3456'] },
    });
    const assumes = fakeTask('Assumes', {
      assumeMemberRole: true,
      memberActions: ['ec2:DescribeNetworkAcls'],
    });
    const configured = Template.fromStack(synthWarden(config, [fakeWorkflow('w', [assumes])]).management);
    const [stackSet] = Object.values(configured.findResources('AWS::CloudFormation::StackSet'));
    expect(stackSet.Properties.StackInstancesGroup[0].DeploymentTargets).toEqual({
      OrganizationalUnitIds: ['r-ab12', 'ou-ab12-cdef3456'],
    });
    expect(Object.keys(configured.findParameters('MemberRoleDeploymentTargets'))).toEqual([]);
  });

  it('has no unacknowledged AwsSolutions error or warning', () => {
    expect(nagViolations(synth.management)).toEqual([]);
  });
});

describe('RegionalForwardingStack', () => {
  it('exists once per governed region other than the home region, in the security account', () => {
    expect([...synth.forwarding.keys()].sort()).toEqual(['ap-southeast-2', 'eu-central-1', 'us-east-1']);
    for (const [region, stack] of synth.forwarding) {
      expect(stack.account).toBe('222222222222');
      expect(stack.region).toBe(region);
    }
  });

  it("forwards every GuardDuty finding to the home region's default bus", () => {
    for (const stack of synth.forwarding.values()) {
      const template = Template.fromStack(stack);
      const rules = Object.values(template.findResources('AWS::Events::Rule'));
      expect(rules).toHaveLength(1);
      expect(
        isDeepStrictEqual(rules[0].Properties.EventPattern, {
          source: ['aws.guardduty'],
          'detail-type': ['GuardDuty Finding'],
        }),
      ).toBe(true);
      const [target] = rules[0].Properties.Targets;
      expect(literal(target.Arn)).toBe('arn:aws:events:eu-west-1:222222222222:event-bus/default');
      expect(target.RoleArn).toBeDefined();
      expect(nagViolations(stack)).toEqual([]);
    }
  });

  it('follows the configured regions', () => {
    const config = exampleConfig({
      organization: { ...exampleConfig().organization, regions: ['eu-west-1', 'sa-east-1'] },
    });
    expect([...synthWarden(config, []).forwarding.keys()]).toEqual(['sa-east-1']);
  });
});
