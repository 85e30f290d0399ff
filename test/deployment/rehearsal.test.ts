import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccountClient, ListRegionsCommand } from '@aws-sdk/client-account';
import { DescribeAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { parseConfig } from '../../config/load';
import type { WardenConfig, WardenConfigInput } from '../../config/schema';
import { ManualClock } from '../../runtime/clock';
import { performDeploySteps, readmeDeploySteps } from '../../runtime/deployment/deploy-steps';
import { type LocalSession, startLocalSession } from '../../runtime/local-warden';
import { demoMembers } from '../../runtime/sandbox/demo-organization';

/**
 * The deploy rehearsal: the README's deploy steps, parsed from the README in its order, performed
 * on a bare sandbox organisation of 20 accounts in 3 regions.
 */
const MANAGEMENT = '111111111111';
const SECURITY = '222222222222';
const REGIONS = ['eu-west-1', 'us-east-1', 'eu-central-1'];
const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
/** 20 accounts: management, security and 18 members. */
const MEMBERS = demoMembers(18);

function rehearsalConfig(mode: 'invitation' | 'organization'): WardenConfig {
  return parseConfig(
    {
      organization: {
        managementAccountId: MANAGEMENT,
        securityAccountId: SECURITY,
        homeRegion: REGIONS[0],
        regions: REGIONS,
      },
      onboarding: { mode, features: { s3DataEvents: true, runtimeMonitoring: true } },
      response: { mode: 'enforce', blockMinutes: 60 },
    } as WardenConfigInput,
    'rehearsal config',
  );
}

async function startBare(mode: 'invitation' | 'organization'): Promise<LocalSession> {
  return startLocalSession({
    config: rehearsalConfig(mode),
    members: MEMBERS,
    clock: new ManualClock(Date.parse('2026-03-01T10:00:00Z')),
    retryIntervalMs: 0,
    workflows: ['onboarding', 'response'],
  });
}

describe('deploy rehearsal', () => {
  let session: LocalSession | undefined;
  afterEach(async () => {
    await session?.stop();
    session = undefined;
  });

  it('fails when the README forgets the organisation access step: the StackSet cannot deploy', async () => {
    session = await startBare('invitation');
    const steps = readmeDeploySteps(README, 'invitation').filter((s) => s.id !== 'organization-access');

    await expect(performDeploySteps(session, steps)).rejects.toThrow(
      /deploy step management-stack failed: .*You must enable organizations access to operate a service managed stack set/,
    );
  });

  it('gives the security account DescribeAccount and ListRegions for other accounts only after the organisation access step (defect 5)', async () => {
    session = await startBare('invitation');
    const clients = session.org.administratorClients(SECURITY);
    const describe = () =>
      clients
        .client(OrganizationsClient, { account: SECURITY, region: REGIONS[0]! })
        .send(new DescribeAccountCommand({ AccountId: MEMBERS[0]!.id }));
    const listRegions = () =>
      clients
        .client(AccountClient, { account: SECURITY, region: REGIONS[0]! })
        .send(new ListRegionsCommand({ AccountId: MEMBERS[0]!.id }));
    await expect(describe()).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(listRegions()).rejects.toMatchObject({ name: 'AccessDeniedException' });

    await performDeploySteps(session, readmeDeploySteps(README, 'invitation').slice(0, 1));

    await expect(describe()).resolves.toMatchObject({ Account: { Id: MEMBERS[0]!.id } });
    await expect(listRegions()).resolves.toMatchObject({ Regions: expect.any(Array) });
  });
});
