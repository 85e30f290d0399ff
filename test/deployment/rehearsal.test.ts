import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccountClient, ListRegionsCommand } from '@aws-sdk/client-account';
import {
  DescribePublishingDestinationCommand,
  GetMemberDetectorsCommand,
  GuardDutyClient,
  ListPublishingDestinationsCommand,
} from '@aws-sdk/client-guardduty';
import { DescribeAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { parseConfig } from '../../config/load';
import type { WardenConfig, WardenConfigInput } from '../../config/schema';
import { ManualClock } from '../../runtime/clock';
import { performDeploySteps, readmeDeploySteps } from '../../runtime/deployment/deploy-steps';
import { type EventRecord, LocalEventBus } from '../../runtime/eventbridge/local-bus';
import { type LocalSession, type LocalWarden, startLocalSession } from '../../runtime/local-warden';
import { backfill } from '../../runtime/onboarding-runner';
import { demoMembers } from '../../runtime/sandbox/demo-organization';
import { buildMemberNetwork } from '../../runtime/scenario/network';
import { csrfToken } from '../../tasks/approval/csrf';
import { handleApprovalRequest } from '../../tasks/approval/page';
import { ApprovalStore } from '../../tasks/approval/store';
import { Ledger } from '../../tasks/response/ledger';
import { makeFindingEvent, networkInterfacesOf } from '../fixtures/findings';

/**
 * The deploy rehearsal: the README's deploy steps, parsed from the README in its order, performed
 * on a bare sandbox organisation of 20 accounts in 3 regions, then the backfill the README ends
 * with. It ends with every account Enabled everywhere with the configured features, findings
 * exported to the deployed bucket and key, one finding blocked and lifted, and one approval decided.
 * The findings arrive as GuardDuty publishes them, through the rules the templates declare.
 */
const MANAGEMENT = '111111111111';
const SECURITY = '222222222222';
const REGIONS = ['eu-west-1', 'us-east-1', 'eu-central-1'];
const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
/** 20 accounts: management, security and 18 members. */
const MEMBERS = demoMembers(18);
const STEPS = {
  invitation: ['organization-access', 'management-stack', 'security-stack', 'forwarding-stacks'],
  organization: [
    'organization-access',
    'management-stack',
    'security-stack',
    'forwarding-stacks',
    'guardduty-administrator',
  ],
};

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

async function expectEnabledEverywhere(warden: LocalWarden): Promise<void> {
  const { guardduty } = warden.world.services;
  for (const region of REGIONS) {
    const statuses = MEMBERS.map((m) => [m.id, region, guardduty.relationship(SECURITY, m.id, region)]);
    expect(statuses).toEqual(MEMBERS.map((m) => [m.id, region, 'Enabled']));
    const { MemberDataSourceConfigurations } = await warden.deps.clients
      .client(GuardDutyClient, { account: SECURITY, region })
      .send(
        new GetMemberDetectorsCommand({
          DetectorId: guardduty.detectorId(SECURITY, region),
          AccountIds: MEMBERS.map((m) => m.id),
        }),
      );
    expect(MemberDataSourceConfigurations).toHaveLength(MEMBERS.length);
    for (const configuration of MemberDataSourceConfigurations ?? []) {
      const features = Object.fromEntries((configuration.Features ?? []).map((f) => [f.Name, f.Status]));
      expect(features).toMatchObject({ S3_DATA_EVENTS: 'ENABLED', RUNTIME_MONITORING: 'ENABLED' });
    }
  }
}

async function expectFindingsExported(warden: LocalWarden): Promise<void> {
  const security = warden.deployment!.stacks.get('WardenSecurity')!;
  for (const region of REGIONS) {
    const gd = warden.deps.clients.client(GuardDutyClient, { account: SECURITY, region });
    const detectorId = warden.world.services.guardduty.detectorId(SECURITY, region);
    const { Destinations } = await gd.send(new ListPublishingDestinationsCommand({ DetectorId: detectorId }));
    expect(Destinations).toHaveLength(1);
    const destination = await gd.send(
      new DescribePublishingDestinationCommand({
        DetectorId: detectorId,
        DestinationId: Destinations![0]!.DestinationId,
      }),
    );
    expect(destination.DestinationProperties).toEqual({
      DestinationArn: security.outputs.FindingsBucketArn,
      KmsKeyArn: security.outputs.FindingsKmsKeyArn,
    });
  }
}

/** GuardDuty exported the finding into the security stack's bucket, encrypted with its key. */
function expectExported(warden: LocalWarden, record: EventRecord, region: string, findingId: string): void {
  const { outputs } = warden.deployment!.stacks.get('WardenSecurity')!;
  const bucket = outputs.FindingsBucketArn!.replace('arn:aws:s3:::', '');
  const key = `AWSLogs/${MEMBERS[0]!.id}/GuardDuty/${region}/${findingId}.jsonl.gz`;
  expect(record.exports).toEqual([{ bucket, key }]);
  const objects = warden.world.services.s3.serviceObjectsIn(bucket).filter((o) => o.key === key);
  expect(objects).toEqual([
    expect.objectContaining({
      serverSideEncryption: 'aws:kms',
      kmsKeyArn: outputs.FindingsKmsKeyArn,
      writtenBy: 'guardduty.amazonaws.com',
    }),
  ]);
  expect(JSON.parse(objects[0]!.body)).toMatchObject({ id: findingId, region });
}

/**
 * GuardDuty's findings put on the EventBridge door, as GuardDuty publishes them: one port probe in
 * a region other than home, which reaches the intake through that region's forwarding stack, is
 * auto-blocked and lifted after its hour; one brute force in the home region is approved through
 * the approval page.
 */
async function blockLiftAndApprove(warden: LocalWarden, clock: ManualClock): Promise<void> {
  const member = MEMBERS[0]!.id;
  const bus = new LocalEventBus(warden);
  const ec2 = warden.world.services.ec2;
  const networkIn = (region: string) => {
    const network = buildMemberNetwork(ec2, member, region);
    return { ...network, findingInterfaces: networkInterfacesOf(network) };
  };
  const [probeRegion, bruteRegion] = [REGIONS[1]!, REGIONS[0]!];
  const probeNetwork = networkIn(probeRegion);
  const bruteNetwork = networkIn(bruteRegion);
  const publish = async (
    network: ReturnType<typeof networkIn>,
    finding: { id: string; region: string; type: string; severity: number; remoteIp: string },
  ) => {
    const event = makeFindingEvent({
      ...finding,
      accountId: member,
      instanceId: network.instanceId,
      networkInterfaces: network.findingInterfaces,
    });
    const record = await bus.publish(
      {
        source: String(event.source),
        detailType: String(event['detail-type']),
        detail: event.detail as unknown as Record<string, unknown>,
        resources: [],
        time: String(event.time),
      },
      `rehearsal-${finding.id}`,
    );
    expect(record.deliveries).toEqual([
      expect.objectContaining({
        target: 'IntakeFinding',
        result: expect.objectContaining({ outcome: 'STARTED' }),
      }),
    ]);
    return { record, result: record.deliveries[0]!.result as { decision: string; executionArn: string } };
  };
  const denies = (naclId: string, cidr: string) =>
    ec2.entries(naclId).filter((e) => e.RuleAction === 'deny' && e.CidrBlock === cidr);
  const probeNacl = { account: member, region: probeRegion, naclId: probeNetwork.naclIds[0]! };
  const ledger = new Ledger(warden.deps);

  const probe = await publish(probeNetwork, {
    id: 'rehearsal-probe',
    region: probeRegion,
    type: 'Recon:EC2/PortProbeUnprotectedPort',
    severity: 8,
    remoteIp: '203.0.113.9',
  });
  const brute = await publish(bruteNetwork, {
    id: 'rehearsal-brute',
    region: bruteRegion,
    type: 'UnauthorizedAccess:EC2/SSHBruteForce',
    severity: 5,
    remoteIp: '203.0.113.66',
  });
  expect(probe.record.forwards).toEqual([
    expect.objectContaining({ rule: expect.stringContaining(`WardenForwarding-${probeRegion}`) }),
  ]);
  expect(probe.record.forwards![0]!.error).toBeUndefined();
  expect([probe.result.decision, brute.result.decision]).toEqual(['BLOCK_AUTO', 'BLOCK_WITH_APPROVAL']);
  expectExported(warden, probe.record, probeRegion, 'rehearsal-probe');
  await clock.settle();
  expect(denies(probeNacl.naclId, '203.0.113.9/32')).toHaveLength(1);
  await expect(ledger.get(probeNacl, '203.0.113.9/32')).resolves.toMatchObject({ state: 'ACTIVE' });

  const approvalDeps = warden.functionDeps('ApprovalPage');
  const approvals = ApprovalStore.fromDeps(approvalDeps);
  const pending = await approvals.listPending();
  expect(pending).toHaveLength(1);
  const approval = (await approvals.get(pending[0]!.pk))!;
  const answer = await handleApprovalRequest(
    {
      method: 'POST',
      path: `/approvals/${approval.pk}/approve`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        csrf: csrfToken(approval.csrfNonce, approval.pk, 'alice'),
        reason: 'rehearsal',
      }).toString(),
      identity: { name: 'alice' },
    },
    approvalDeps,
  );
  expect(answer.status).toBe(200);
  await clock.settle();
  await expect(approvals.get(approval.pk)).resolves.toMatchObject({ status: 'APPROVED', decidedBy: 'alice' });
  expect(denies(bruteNetwork.naclIds[0]!, '203.0.113.66/32')).toHaveLength(1);

  await clock.advance(61 * 60_000);
  await clock.settle();
  const [probeRecord, bruteRecord] = await Promise.all([
    warden.runtime.waitFor(probe.result.executionArn),
    warden.runtime.waitFor(brute.result.executionArn),
  ]);
  expect([probeRecord.status, bruteRecord.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
  expect(denies(probeNacl.naclId, '203.0.113.9/32')).toHaveLength(0);
  expect(denies(bruteNetwork.naclIds[0]!, '203.0.113.66/32')).toHaveLength(0);
  await expect(ledger.get(probeNacl, '203.0.113.9/32')).resolves.toBeUndefined();
  const records = await ledger.records();
  expect(records.filter((r) => r.findingId === 'rehearsal-probe')).toEqual([
    expect.objectContaining({
      cidr: '203.0.113.9/32',
      removal: 'EXPIRED_REMOVED',
      removedAt: expect.any(String),
    }),
  ]);
}

describe('deploy rehearsal', () => {
  let session: LocalSession | undefined;
  afterEach(async () => {
    await session?.stop();
    session = undefined;
  });

  it.each(['invitation', 'organization'] as const)(
    'brings a bare organisation of 20 accounts in 3 regions to working state with the README steps (%s mode)',
    async (mode) => {
      session = await startBare(mode);
      const { organizations, iam, guardduty } = session.org.services;
      // Arrange: the organisation is bare
      expect(organizations.canAdminister(SECURITY)).toBe(false);
      expect(organizations.hasTrustedAccess('account.amazonaws.com')).toBe(false);
      expect(MEMBERS.some((m) => iam.role(m.id, 'WardenMemberRole'))).toBe(false);
      const accounts = [SECURITY, ...MEMBERS.map((m) => m.id)];
      expect(accounts.flatMap((a) => REGIONS.map((r) => guardduty.detectorId(a, r))).filter(Boolean)).toEqual(
        [],
      );
      const steps = readmeDeploySteps(README, mode);
      expect(steps.map((s) => s.id)).toEqual(STEPS[mode]);

      // Act: the README's steps, then the backfill the README ends with
      await performDeploySteps(session, steps);
      const warden = session.warden();
      const result = await backfill(warden);

      // Assert
      expect(result.failedExecutions).toEqual([]);
      expect(MEMBERS.every((m) => iam.role(m.id, 'WardenMemberRole'))).toBe(true);
      expect(iam.role(MANAGEMENT, 'WardenMemberRole')).toBeUndefined();
      await expectEnabledEverywhere(warden);
      await expectFindingsExported(warden);
      await blockLiftAndApprove(warden, session.clock as ManualClock);
    },
  );

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
