import { afterEach, describe, expect, it } from '@jest/globals';
import { parseConfig } from '../../config/load';
import type { WardenConfigInput } from '../../config/schema';
import { ManualClock } from '../../runtime/clock';
import { deployStepsFor, performDeploySteps } from '../../runtime/deployment/deploy-steps';
import { type LocalSession, startLocalSession } from '../../runtime/local-warden';
import { demoMembers } from '../../runtime/sandbox/demo-organization';

/**
 * The member role StackSet is service-managed with automatic deployment, so an account that joins
 * a target OU after the management stack is deployed gets the member role, with the StackSet
 * template's policies, without anyone creating it; the management account never gets one.
 */
const MANAGEMENT = '111111111111';
const SECURITY = '222222222222';
const LATECOMER = { id: '300000000099', name: 'latecomer', email: 'latecomer@example.com' };

let session: LocalSession | undefined;
afterEach(async () => {
  await session?.stop();
  session = undefined;
});

async function deployed(): Promise<LocalSession> {
  const config = parseConfig(
    {
      organization: {
        managementAccountId: MANAGEMENT,
        securityAccountId: SECURITY,
        homeRegion: 'eu-west-1',
        regions: ['eu-west-1'],
      },
      onboarding: { mode: 'invitation' },
      response: {},
    } as WardenConfigInput,
    'auto-deployment config',
  );
  session = await startLocalSession({
    config,
    members: demoMembers(1),
    clock: new ManualClock(Date.parse('2026-03-01T10:00:00Z')),
    workflows: ['onboarding'],
  });
  await performDeploySteps(session, deployStepsFor(session.options.config));
  return session;
}

describe('the member role StackSet with automatic deployment', () => {
  it('gives an account that joins the organisation later the member role with the template policies', async () => {
    const s = await deployed();
    const { iam, organizations } = s.org.services;
    expect(iam.role(LATECOMER.id, 'WardenMemberRole')).toBeUndefined();

    organizations.addAccount(LATECOMER);

    const role = iam.role(LATECOMER.id, 'WardenMemberRole');
    expect(role?.permissionsModelled).toBe(true);
    // The same template as the first member's instance, resolved in the latecomer's account.
    const first = demoMembers(1)[0]!.id;
    expect(JSON.stringify(s.deployment.memberRoles.get(LATECOMER.id)?.inlinePolicies)).toBe(
      JSON.stringify(s.deployment.memberRoles.get(first)?.inlinePolicies).replaceAll(first, LATECOMER.id),
    );
  });

  it('never deploys the member role to the management account, nor to an account that joins before the StackSet exists', async () => {
    const s = await deployed();
    const { iam } = s.org.services;

    expect(iam.role(MANAGEMENT, 'WardenMemberRole')).toBeUndefined();
    expect(iam.role(SECURITY, 'WardenMemberRole')).toBeDefined();
    await s.stop();

    // A session whose management stack is not deployed: nothing watches the organisation yet.
    session = await startLocalSession({ ...s.options, members: demoMembers(1) });
    session.org.services.organizations.addAccount(LATECOMER);
    expect(session.org.services.organizations.isMember(LATECOMER.id)).toBe(true);
    expect(session.org.services.iam.role(LATECOMER.id, 'WardenMemberRole')).toBeUndefined();
  });
});
