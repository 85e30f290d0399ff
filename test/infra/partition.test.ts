import { Template } from 'aws-cdk-lib/assertions';
import { renderMemberRoleTemplate } from '../../infra/stacks/member-role-stack';
import { exampleConfig, synthWarden } from './helpers';

/** Every string in a template that starts an ARN with a literal partition. */
function literalPartitions(template: unknown): string[] {
  return [...JSON.stringify(template).matchAll(/arn:(aws[a-z-]*):[^"]{0,60}/g)].map((m) => m[0]);
}

describe('partition-aware ARNs', () => {
  it('names no ARN in a literal partition in any template, so Warden deploys to GovCloud and China', () => {
    const config = exampleConfig({
      organization: {
        ...exampleConfig().organization,
        homeRegion: 'us-gov-west-1',
        controlTowerHomeRegion: 'us-gov-west-1',
        regions: ['us-gov-west-1', 'us-gov-east-1'],
      },
    });
    const synth = synthWarden(config);
    const templates = {
      security: Template.fromStack(synth.security).toJSON(),
      management: Template.fromStack(synth.management).toJSON(),
      memberRole: renderMemberRoleTemplate(config),
      ...Object.fromEntries(
        [...synth.forwarding].map(([region, stack]) => [region, Template.fromStack(stack).toJSON()]),
      ),
    };
    for (const [name, template] of Object.entries(templates)) {
      expect({ name, literal: literalPartitions(template) }).toEqual({ name, literal: [] });
    }
  });
});
