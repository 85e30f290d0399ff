import { csrfToken } from '../../tasks/approval/csrf';
import { handleApprovalRequest } from '../../tasks/approval/page';
import { ApprovalStore } from '../../tasks/approval/store';
import { type IntakeResult, intakeFinding } from '../../tasks/response/intake';
import { Ledger } from '../../tasks/response/ledger';
import { ManualClock, settle } from '../clock';
import type { ExecutionRecord } from '../history';
import type { LocalWarden } from '../local-warden';
import { startOnboarding, waitForExecutions } from '../onboarding-runner';
import { controlTowerAccountCreated, guardDutyFinding, storedFinding } from './events';
import { buildMemberNetwork } from './network';

/**
 * The story `npm start` tells: Control Tower creates an account, Warden onboards it in every
 * region; then GuardDuty reports findings against an instance in that account and Warden
 * responds — an automatic block, a block waiting for a person's approval, a notification, an
 * ignored finding and a sample finding handled as a dry run.
 */
export const NEW_ACCOUNT = { id: '300000000099', name: 'new-workload' };

export interface ScenarioResult {
  onboarding: ExecutionRecord;
  findings: { label: string; intake: IntakeResult }[];
  approvalUrl: string | null;
}

export async function runScenario(
  warden: LocalWarden,
  options: { log: (line: string) => void; approveAs?: string },
): Promise<ScenarioResult> {
  const { log } = options;
  const { config, world, clock } = warden;
  const org = config.organization;

  log(`Control Tower creates account ${NEW_ACCOUNT.id} (${NEW_ACCOUNT.name}).`);
  world.services.organizations.addAccount({
    id: NEW_ACCOUNT.id,
    name: NEW_ACCOUNT.name,
    email: `${NEW_ACCOUNT.name}@example.com`,
  });
  // The member role StackSet deploys automatically to accounts that join its target OUs.
  const event = controlTowerAccountCreated({
    managementAccountId: org.managementAccountId,
    region: org.homeRegion,
    accountId: NEW_ACCOUNT.id,
    accountName: NEW_ACCOUNT.name,
    at: new Date(clock.now()),
  });
  const started = startOnboarding(
    warden.runtime,
    warden.stateMachines.onboarding!,
    event,
    new Date(clock.now()),
  );
  const [onboarding] = await waitForExecutions(warden, [started.executionArn]);
  for (const line of describeOnboarding(onboarding!)) log(`  ${line}`);

  const network = buildMemberNetwork(world.services.ec2, NEW_ACCOUNT.id, org.homeRegion, { subnets: 2 });
  log(
    `Its instance ${network.instanceId} has interfaces in ${network.subnetIds.join(' and ')} (NACLs ${network.naclIds.join(', ')}).`,
  );
  const base = {
    accountId: NEW_ACCOUNT.id,
    region: org.homeRegion,
    instanceId: network.instanceId,
    interfaces: network.interfaces.map((i) => ({ ...i, vpcId: network.vpcId })),
    at: new Date(clock.now()),
  };
  const findings = [
    {
      label: 'port probe from 203.0.113.9 (High)',
      f: {
        id: 'demo-port-probe',
        type: 'Recon:EC2/PortProbeUnprotectedPort',
        severity: 8,
        remoteIps: ['203.0.113.9'],
        action: 'PORT_PROBE' as const,
      },
    },
    {
      label: 'SSH brute force from 203.0.113.66',
      f: {
        id: 'demo-ssh-brute-force',
        type: 'UnauthorizedAccess:EC2/SSHBruteForce',
        severity: 5,
        remoteIps: ['203.0.113.66'],
        action: 'NETWORK_CONNECTION' as const,
      },
    },
    {
      label: 'CloudTrail logging disabled',
      f: {
        id: 'demo-cloudtrail',
        type: 'Stealth:IAMUser/CloudTrailLoggingDisabled',
        severity: 5,
        remoteIps: ['203.0.113.70'],
        action: 'AWS_API_CALL' as const,
      },
    },
    {
      label: 'low-severity API call',
      f: {
        id: 'demo-low',
        type: 'Discovery:IAMUser/AnomalousBehavior',
        severity: 2,
        remoteIps: ['203.0.113.71'],
        action: 'AWS_API_CALL' as const,
      },
    },
    {
      label: 'sample port probe',
      f: {
        id: 'demo-sample',
        type: 'Recon:EC2/PortProbeUnprotectedPort',
        severity: 8,
        remoteIps: ['203.0.113.72'],
        action: 'PORT_PROBE' as const,
        sample: true,
      },
    },
  ];
  const results: ScenarioResult['findings'] = [];
  for (const { label, f } of findings) {
    const event = guardDutyFinding({ ...base, ...f });
    // GuardDuty stores each finding before it sends its event: `warden findings` reads it back.
    const stored = storedFinding(event);
    world.services.guardduty.addFinding(stored.AccountId!, stored.Region!, stored);
    const intake = await intakeFinding(event, warden.functionDeps('IntakeFinding'));
    results.push({ label, intake });
    log(`GuardDuty: ${label} → ${intake.decision}${intake.dryRun ? ' (dry run: nothing will change)' : ''}`);
  }
  await until(warden, () =>
    world.services.ec2.entries(network.naclIds[0]!).some((e) => e.CidrBlock === '203.0.113.9/32'),
  );
  for (const block of await new Ledger(warden.deps).allActive()) {
    log(
      `  Blocked ${block.cidr} in ${block.naclId} (account ${block.account}, ${block.region}) with inbound deny rule ${block.ruleNumber} until ${block.expiresAt}.`,
    );
  }

  await until(warden, () =>
    world.services.sns.outbox.some((m) => m.attributes.category === 'APPROVAL_REQUESTED'),
  );
  const request = world.services.sns.outbox.find((m) => m.attributes.category === 'APPROVAL_REQUESTED');
  const approvalUrl =
    /(https?:\/\/\S+\/approvals\/[A-Za-z0-9_-]{43})/.exec(request?.message ?? '')?.[1] ?? null;
  log(`  Approval requested for 203.0.113.66: ${approvalUrl ?? '(no link published)'}`);

  if (options.approveAs && approvalUrl) {
    const approvalId = approvalUrl.split('/').pop()!;
    const record = await ApprovalStore.fromDeps(warden.deps).get(approvalId);
    const body = new URLSearchParams({
      csrf: csrfToken(record!.csrfNonce, approvalId, options.approveAs),
      reason: 'demo',
    });
    const page = await handleApprovalRequest(
      {
        method: 'POST',
        path: `/approvals/${approvalId}/approve`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
        identity: { name: options.approveAs },
      },
      warden.functionDeps('ApprovalPage'),
    );
    log(`  ${options.approveAs} approves the block (page answered ${page.status}).`);
    await until(warden, () =>
      world.services.ec2.entries(network.naclIds[0]!).some((e) => e.CidrBlock === '203.0.113.66/32'),
    );
    log('  Blocked 203.0.113.66 in both NACLs.');
  }
  return { onboarding: onboarding!, findings: results, approvalUrl };
}

/** Per-region results of an onboarding execution, in words. */
export function describeOnboarding(record: ExecutionRecord): string[] {
  if (record.status !== 'SUCCEEDED')
    return [`onboarding ${record.status}: ${record.error ?? ''} ${record.cause ?? ''}`.trim()];
  const output = JSON.parse(record.output ?? '{}') as {
    summaries?: { accountId: string; result: string; regions: { region: string; outcome: string }[] }[];
  };
  return (output.summaries ?? []).map(
    (s) => `${s.accountId}: ${s.result} — ${s.regions.map((r) => `${r.region} ${r.outcome}`).join(', ')}`,
  );
}

/** Lets executions progress until `predicate` holds (moving a manual clock only when idle). */
async function until(warden: LocalWarden, predicate: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('the scenario did not progress in time');
    await settle(5);
    if (!(warden.clock instanceof ManualClock)) await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
