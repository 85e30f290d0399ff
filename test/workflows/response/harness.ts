import { parseConfig } from '../../../config/load';
import type { WardenConfigInput } from '../../../config/schema';
import { ManualClock } from '../../../runtime/clock';
import { type LocalWarden, startDeployedWarden } from '../../../runtime/local-warden';
import { buildMemberNetwork, type MemberNetwork } from '../../../runtime/scenario/network';
import { csrfToken } from '../../../tasks/approval/csrf';
import { handleApprovalRequest } from '../../../tasks/approval/page';
import { ApprovalStore } from '../../../tasks/approval/store';
import { parseFindingEvent } from '../../../tasks/response/finding';
import { FindingsTable } from '../../../tasks/response/findings-table';
import { intakeFinding } from '../../../tasks/response/intake';
import { triageFinding } from '../../../tasks/response/triage';
import { exampleOrganization } from '../../fixtures/example-organization';
import {
  type FindingOptions,
  makeFindingEvent,
  makeNetworkInterface,
  makePortProbe,
  networkInterfacesOf,
} from '../../fixtures/findings';

/**
 * A Warden with one member account and its network, on a manual clock, for response tests:
 * `deliver()` hands a finding to the intake as EventBridge would.
 */
export const MEMBER = '333333333333';
export const REGION = 'eu-west-1';
/** A port probe of severity 8: the policy blocks its remote address without asking anyone. */
export const PORT_PROBE = { type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 8 };

export interface ResponseHarness {
  warden: LocalWarden;
  clock: ManualClock;
  network: MemberNetwork;
  deliver(options?: FindingOptions): ReturnType<typeof intakeFinding>;
  /** The finding event `deliver` would send, for tests that drive tasks directly. */
  findingEvent(options?: FindingOptions): ReturnType<typeof makeFindingEvent>;
  /** Runs the clock forward by `minutes`, letting every woken execution progress. */
  advance(minutes: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startResponseHarness(
  options: {
    response?: WardenConfigInput['response'];
    subnets?: number;
    sharedNacl?: boolean;
    notifications?: WardenConfigInput['notifications'];
    maxAttempts?: number;
    /** Regions Warden governs, home region first. @default [REGION] */
    regions?: string[];
    /** The runtime's data folder, where it archives what it ran. @default none */
    dataDir?: string;
  } = {},
): Promise<ResponseHarness> {
  const config = parseConfig({
    organization: exampleOrganization(options.regions ?? [REGION]),
    response: { mode: 'enforce', ruleBand: { start: 1, end: 90 }, blockMinutes: 60, ...options.response },
    notifications: options.notifications,
  });
  const clock = new ManualClock(Date.parse('2026-03-01T10:06:00Z'));
  // Warden as deployed: the synthesized stacks in a bare organisation, each task as its function.
  const warden = await startDeployedWarden({
    config,
    members: [{ id: MEMBER, name: 'app', email: 'app@example.com' }],
    clock,
    retryIntervalMs: 0,
    maxAttempts: options.maxAttempts,
    dataDir: options.dataDir,
  });
  const network = buildMemberNetwork(warden.world.services.ec2, MEMBER, REGION, {
    subnets: options.subnets,
    sharedNacl: options.sharedNacl,
  });
  const interfaces = networkInterfacesOf(network);
  const findingEvent = (finding: FindingOptions = {}) =>
    makeFindingEvent({
      accountId: MEMBER,
      region: REGION,
      instanceId: network.instanceId,
      networkInterfaces: interfaces,
      ...finding,
    });
  return {
    warden,
    clock,
    network,
    findingEvent,
    deliver: (finding = {}) => intakeFinding(findingEvent(finding), warden.functionDeps('IntakeFinding')),
    advance: async (minutes) => {
      await clock.settle();
      await clock.advance(minutes * 60_000);
    },
    stop: () => warden.stop(),
  };
}

/**
 * Records a port probe as the intake does (its evidence in the findings table) without starting
 * an execution, and returns the event and its triage: for tests that drive the response's tasks.
 */
export async function recordPortProbe(h: ResponseHarness, options: FindingOptions) {
  const raw = h.findingEvent({ ...PORT_PROBE, ...options });
  const event = parseFindingEvent(raw);
  await new FindingsTable(h.warden.deps).putEvidence(event.detail.id, event.detail.updatedAt, raw);
  return { event, triage: triageFinding(event, h.warden.deps.config) };
}

/**
 * Delivers a port probe from `remoteIp` and lets it run until its block is in place and the
 * execution waits for it to expire: the execution, the member's first NACL and Warden's deny in it,
 * for tests that then change that entry as a person would.
 */
export async function blockedPortProbe(h: ResponseHarness, remoteIp: string) {
  const intake = await h.deliver({ ...PORT_PROBE, remoteIp });
  await h.advance(0);
  await until(() => h.clock.pending === 1);
  const naclId = h.network.naclIds[0]!;
  const deny = h.warden.world.services.ec2.entries(naclId).find((e) => e.CidrBlock === `${remoteIp}/32`);
  if (!deny) throw new Error(`no deny for ${remoteIp} in ${naclId}`);
  return { executionArn: intake.executionArn!, naclId, deny };
}

/** An inbound entry of someone else's, written by hand into a network ACL: Warden did not make it. */
export interface EntryByHand {
  ruleNumber: number;
  cidr: string;
  action: 'allow' | 'deny';
  /** @default '-1' (every protocol) */
  protocol?: string;
  ports?: { From: number; To: number };
}

/**
 * Adds `entry` to `naclId` (the member's first network ACL unless named), as a person would in the
 * console. With `replacing`, it first removes the entry at that rule number, as someone who
 * overwrites one of Warden's denies does.
 */
export function addEntryByHand(
  h: ResponseHarness,
  entry: EntryByHand,
  options: { naclId?: string; replacing?: boolean } = {},
): string {
  const naclId = options.naclId ?? h.network.naclIds[0]!;
  const ec2 = h.warden.world.services.ec2;
  if (options.replacing) ec2.removeEntryByHand(naclId, entry.ruleNumber);
  ec2.addEntryByHand(naclId, {
    RuleNumber: entry.ruleNumber,
    Protocol: entry.protocol ?? '-1',
    RuleAction: entry.action,
    Egress: false,
    CidrBlock: entry.cidr,
    ...(entry.ports ? { PortRange: entry.ports } : {}),
  });
  return naclId;
}

export function historyOf(warden: LocalWarden, executionArn: string) {
  return warden.runtime.store.history(executionArn);
}

/** The names of the states an execution entered, in order: the story an auditor reads. */
export function story(warden: LocalWarden, executionArn: string): string[] {
  return historyOf(warden, executionArn)
    .filter((e) => e.type.endsWith('StateEntered'))
    .map((e) => (e.stateEnteredEventDetails as { name: string }).name);
}

/**
 * The states an approved block's execution enters, from the triage to the notification that its
 * block is lifted: the story both the history and `warden audit`'s timeline tell.
 */
export const APPROVED_BLOCK_LIFTED_STORY = [
  'Decide what to do with the finding',
  'Check the approval request against the finding Warden recorded',
  'Find the network ACLs of the instance’s subnets',
  'Ask a person to approve the block',
  'Block the approved addresses in the network ACLs',
  'Did Warden block anything?',
  'Wait until the next block expires',
  'Lift the blocks that have expired',
  'Are blocks still in place?',
  'Notify that the blocks are lifted',
];

/** The pending approval the last RequestApproval stored, decided through the approval page. */
export async function decide(
  h: ResponseHarness,
  executionArn: string,
  decision: 'approve' | 'reject',
  approver = 'alice',
  reason = 'looks like an attack',
) {
  const output = requestApprovalOutput(h.warden, executionArn);
  const store = ApprovalStore.fromDeps(h.warden.deps);
  const record = await store.get(output.approvalId);
  if (!record) throw new Error('no approval stored');
  const body = new URLSearchParams({
    csrf: csrfToken(record.csrfNonce, record.pk, approver),
    reason,
  }).toString();
  return handleApprovalRequest(
    {
      method: 'POST',
      path: `/approvals/${record.pk}/${decision}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      identity: { name: approver },
    },
    h.warden.functionDeps('ApprovalPage'),
  );
}

export function requestApprovalOutput(
  warden: LocalWarden,
  executionArn: string,
): { approvalId: string; url: string } {
  const events = historyOf(warden, executionArn);
  const scheduled = events.find((e) => e.type === 'TaskScheduled');
  if (!scheduled) throw new Error('the execution has not asked for approval');
  const outbox = warden.world.services.sns.outbox.filter(
    (m) => m.attributes.category === 'APPROVAL_REQUESTED',
  );
  const last = outbox[outbox.length - 1];
  const match = /\/approvals\/([A-Za-z0-9_-]{43})/.exec(last?.message ?? '');
  if (!match) throw new Error('no approval link was published');
  return { approvalId: match[1]!, url: match[0] };
}

/** Polls (in real time) until `predicate` holds; for work that SDK retries delay by real sleeps. */
export async function until(predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The instance's interfaces as a finding names them: one per subnet, each with an id of its own. */
export function findingInterfaces(h: ResponseHarness): ReturnType<typeof makeNetworkInterface>[] {
  return h.network.interfaces.map((i, n) =>
    makeNetworkInterface({
      subnetId: i.subnetId,
      vpcId: h.network.vpcId,
      privateIpAddress: i.privateIpAddress,
      networkInterfaceId: `eni-${n.toString(16).padStart(17, '0')}`,
      privateIpAddresses: [{ privateIpAddress: i.privateIpAddress }],
    }),
  );
}

/**
 * A port probe from each of `attackers` (each on its own port) against the instance's interface in
 * every subnet: the finding that reaches the most (address, NACL) pairs the harness's network has.
 */
export function portProbeOnEverySubnet(
  h: ResponseHarness,
  attackers: readonly string[],
  finding: { id: string; severity: number },
): FindingOptions {
  return {
    ...PORT_PROBE,
    ...finding,
    networkInterfaces: findingInterfaces(h),
    portProbes: attackers.map((remoteIp, port) => makePortProbe({ remoteIp, port: 1000 + port })),
  };
}

/**
 * Delivers `portProbeOnEverySubnet` for a finding the policy blocks without approval, and waits
 * until its execution waits for the block to expire: every pair is blocked by then.
 */
export async function deliverBlockOnEverySubnet(
  h: ResponseHarness,
  attackers: readonly string[],
  finding: { id: string; severity: number },
) {
  const intake = await h.deliver(portProbeOnEverySubnet(h, attackers, finding));
  if (intake.executionArn) await untilWaitingForExpiry(h, intake.executionArn);
  return intake;
}

/** `count` IPv6 addresses written at full length: the longest text an address has. */
export function fullLengthIpv6Addresses(count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `2001:db8:ffff:ffff:ffff:ffff:ffff:${(0xf000 + i).toString(16)}`,
  );
}

/**
 * Advances the clock until the execution waits for its block to expire: a block of many (address,
 * NACL) pairs takes the block task a while in real time. Gives up after 600 rounds of 100 ms.
 */
export async function untilWaitingForExpiry(h: ResponseHarness, executionArn: string): Promise<void> {
  for (
    let i = 0;
    i < 600 && !historyOf(h.warden, executionArn).some((e) => e.type === 'WaitStateEntered');
    i++
  )
    await h.advance(0).then(() => new Promise((resolve) => setTimeout(resolve, 100)));
}

/**
 * Every state input or output, task payload and task result an execution recorded, as text: what
 * Step Functions' 262,144-byte limit applies to (StateEnteredEventDetails, StateExitedEventDetails).
 */
export function recordedPayloads(h: ResponseHarness, executionArn: string): string[] {
  const out: string[] = [];
  for (const event of historyOf(h.warden, executionArn)) {
    for (const details of Object.values(event)) {
      if (!details || typeof details !== 'object') continue;
      for (const [key, value] of Object.entries(details as Record<string, unknown>)) {
        if (typeof value === 'string' && ['input', 'output', 'parameters'].includes(key)) out.push(value);
      }
    }
  }
  return out;
}

/** The largest state input, state output or task payload of an execution, in UTF-8 bytes. */
export function largestPayloadBytes(h: ResponseHarness, executionArn: string): number {
  return Math.max(0, ...recordedPayloads(h, executionArn).map((p) => Buffer.byteLength(p, 'utf8')));
}

/**
 * A harness whose member has `nacls` subnets, each with a NACL as full as `fillNaclsNearQuota`
 * makes it (entries up to `quota`, room for `acting` IPv6 denies), and a response that acts on
 * `acting` addresses and blocks for an hour: the widest block the config allows.
 */
export async function startNearFullHarness(limits: {
  nacls: number;
  quota: number;
  acting: number;
}): Promise<ResponseHarness> {
  const h = await startResponseHarness({
    subnets: limits.nacls,
    response: { maxAddressesPerFinding: limits.acting, naclRuleQuota: limits.quota, blockMinutes: 60 },
  });
  fillNaclsNearQuota(h, limits.quota, limits.acting);
  return h;
}

/**
 * Fills each of the harness's NACLs with customer denies: inbound IPv4 entries up to `quota`,
 * inbound IPv6 entries up to `quota - ipv6Room` (each family's default deny counted), so a test
 * sees NACLs as full as a customer's can be with room for `ipv6Room` of Warden's IPv6 denies.
 */
function fillNaclsNearQuota(h: ResponseHarness, quota: number, ipv6Room: number): void {
  const ec2 = h.warden.world.services.ec2;
  for (const naclId of h.network.naclIds) {
    const used = (v6: boolean) =>
      ec2.entries(naclId).filter((e) => !e.Egress && Boolean(e.Ipv6CidrBlock) === v6).length;
    for (let n = 0; used(false) < quota; n++)
      ec2.addEntryByHand(naclId, {
        RuleNumber: 1000 + n,
        Protocol: '6',
        RuleAction: 'deny',
        Egress: false,
        CidrBlock: `192.0.2.${100 + n}/32`,
        PortRange: { From: 8080, To: 8080 },
      });
    for (let n = 0; used(true) < quota - ipv6Room; n++)
      ec2.addEntryByHand(naclId, {
        RuleNumber: 2000 + n,
        Protocol: '6',
        RuleAction: 'deny',
        Egress: false,
        Ipv6CidrBlock: `2001:db8:aaaa:bbbb:cccc:dddd:eeee:${(0xff00 + n).toString(16)}/128`,
        PortRange: { From: 8080, To: 8080 },
      });
  }
}
