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

/** A session with the deploy steps performed: all of them, or only the one named `only`. */
async function deployed(only?: string): Promise<LocalSession> {
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
  const steps = deployStepsFor(session.options.config).filter(
    (step) => only === undefined || step.id === only,
  );
  expect(steps.length).toBeGreaterThan(0);
  await performDeploySteps(session, steps);
  return session;
}

describe('the member role StackSet with automatic deployment', () => {
  it('gives an account that joins the organisation later the member role with the template policies', async () => {
    const s = await deployed();
    const { iam, organizations } = s.org.services;
    expect(iam.role(LATECOMER.id, 'WardenMemberRole')).toBeUndefined();

    organizations.addAccount(LATECOMER);

    const role = iam.role(LATECOMER.id, 'WardenMemberRole');
    expect(role?.inlinePolicies.size).toBeGreaterThan(0);
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

/**
 * StackSets' service-linked roles are created "in your organization's accounts when you enable
 * trusted access": OrgAdmin in the management account, OrgMember in the member accounts
 * (https://docs.aws.amazon.com/organizations/latest/userguide/services-that-can-integrate-cloudformation.html).
 */
describe("StackSets' service-linked roles", () => {
  const ORG_ADMIN = 'stacksets.cloudformation.amazonaws.com';
  const ORG_MEMBER = 'member.org.stacksets.cloudformation.amazonaws.com';

  it('are in the management and every member account once organisation access is activated, before any stack instance', async () => {
    const s = await deployed('organization-access');
    const { iam } = s.org.services;
    const members = [SECURITY, ...demoMembers(1).map((m) => m.id)];

    expect(s.deployment.memberRoles.size).toBe(0);
    expect(iam.serviceLinkedRole(MANAGEMENT, ORG_ADMIN)?.path).toBe(`/aws-service-role/${ORG_ADMIN}/`);
    expect(iam.serviceLinkedRole(MANAGEMENT, ORG_MEMBER)).toBeUndefined();
    expect(members.filter((account) => iam.serviceLinkedRole(account, ORG_MEMBER) === undefined)).toEqual([]);
  });

  it('are given to an account that joins later with its first stack instance', async () => {
    const s = await deployed();
    const { iam, organizations } = s.org.services;

    organizations.addAccount(LATECOMER);

    expect(iam.role(LATECOMER.id, 'WardenMemberRole')).toBeDefined();
    expect(iam.serviceLinkedRole(LATECOMER.id, ORG_MEMBER)).toBeDefined();
  });
});
