import { exampleConfig, synthWarden } from './helpers';

describe('deploy requirements', () => {
  it('fails synthesis without organizationId, explaining that the member role would be assumable anywhere', () => {
    const { organizationId: _, ...organization } = exampleConfig().organization;
    expect(() => synthWarden(exampleConfig({ organization }), [])).toThrow(
      /organization.organizationId is required to deploy Warden: without it, the task roles could assume a role named WardenMemberRole in any AWS account \(no aws:ResourceOrgID condition\)/,
    );
  });
});
