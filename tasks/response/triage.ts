import type { NotificationCategory, TriageAction, WardenConfig } from '../../config/schema';
import { blockCidrFor, createNeverBlockGuard, effectiveAddress, type NeverBlockReason } from './addresses';
import { type Finding, type FindingEvent, isSampleFinding, type RemoteIpDetails } from './finding';
import { evaluatePolicy, type PolicyContext, type SeverityBand, severityBand } from './policy';

/**
 * Triage of one finding: the policy's verdict, narrowed by the never-block guards, with the
 * addresses Warden would deny and the subnets it would deny them in. Pure: the NACL lookups and
 * every change happen in later tasks. The result goes into Step Functions execution history
 * (256 KiB per payload), so it is plain JSON with bounded lists.
 */

/** Why a finding Warden's policy wants blocked cannot be blocked through a NACL. */
export type FindingGuard =
  | 'ARCHIVED'
  | 'RESOURCE_IS_ACTOR'
  | 'RESOURCE_ROLE_UNKNOWN'
  | 'NOT_BLOCKABLE_BY_NACL'
  | 'OUTBOUND_CONNECTION'
  | 'CONNECTION_DIRECTION_UNKNOWN'
  | 'NO_TARGET_SUBNET'
  | 'KILL_SWITCH'
  /** The event's region or account, or the finding's ARN, disagrees with the finding. */
  | 'ORIGIN_MISMATCH';

/**
 * UNTRUSTED_FINDING: a GuardDuty finding that fails validation (untrusted-finding.ts).
 * ADDRESS_LIMIT_EXCEEDED: the policy's block, applied to the first `maxAddressesPerFinding`
 * addresses only; the rest are notified.
 */
export type TriageReason =
  | 'POLICY'
  | FindingGuard
  | 'NO_BLOCKABLE_ADDRESS'
  | 'UNTRUSTED_FINDING'
  | 'ADDRESS_LIMIT_EXCEEDED';

export type AddressAction = 'BLOCK' | 'APPROVAL' | 'NOTIFY' | 'NONE';

export type AddressReason =
  | NeverBlockReason
  | FindingGuard
  | 'FINDING_IGNORED'
  | 'POLICY_NOTIFY'
  | 'POLICY_BLOCK_WITH_APPROVAL'
  | 'POLICY_BLOCK_AUTO'
  /** Blockable, but past `response.maxAddressesPerFinding` of this finding: notified instead. */
  | 'ADDRESS_LIMIT_EXCEEDED';

export type Recommendation = 'ISOLATE_INSTANCE' | 'INVESTIGATE_INSTANCE';

export interface AddressDecision {
  /** As the finding reported it. */
  address: string;
  /** What a NACL entry would deny: `a.b.c.d/32` or `x::y/128` (IPv4-mapped addresses unwrapped). */
  cidr: string;
  action: AddressAction;
  reason: AddressReason;
  /** Which part of the finding named it. */
  source: 'NETWORK_CONNECTION' | 'PORT_PROBE';
}

/** A subnet whose NACL a later task looks up, with the instance's interfaces in it. */
export interface BlockTarget {
  subnetId: string;
  vpcId: string | null;
  networkInterfaceIds: string[];
}

export interface TriageResult {
  findingId: string;
  accountId: string;
  region: string;
  type: string;
  severity: number;
  severityBand: SeverityBand;
  /** `service.count`: GuardDuty raises it each time it re-publishes the finding. */
  count: number | null;
  resourceRole: 'TARGET' | 'ACTOR' | null;
  instanceId: string | null;
  /** What Warden does. */
  decision: TriageAction;
  /**
   * POLICY when the decision is the policy's action; ADDRESS_LIMIT_EXCEEDED when it is, but for
   * the first `maxAddressesPerFinding` addresses only; otherwise the guard that overruled it.
   */
  reason: TriageReason;
  /** The policy rule that matched, or `no matching rule`. */
  rule: string;
  /** What the policy asked for, before guards. */
  policyAction: TriageAction;
  category: NotificationCategory;
  /** True when nothing may be changed: dry-run mode or a sample finding. */
  dryRun: boolean;
  dryRunReasons: Array<'MODE_DRY_RUN' | 'SAMPLE_FINDING'>;
  recommendation: Recommendation | null;
  /** Distinct remote addresses, those Warden would act on first; at most MAX_ADDRESSES. */
  addresses: AddressDecision[];
  addressesTotal: number;
  /** How many addresses were left out of `addresses` (they are not acted on). */
  addressesOmitted: number;
  targets: BlockTarget[];
  /** The instance's own addresses (never blocked); at most MAX_INSTANCE_ADDRESSES listed. */
  instanceAddresses: string[];
  /** Plain-language remarks for people reading the history: what was capped or skipped. */
  notes: string[];
}

export type TriageContext = PolicyContext;

/** The address list's cap; 100 entries stay far below Step Functions' 256 KiB payload limit. */
export const MAX_ADDRESSES = 100;
/**
 * The most (address, subnet) pairs one finding acts on. The block task returns a result of about
 * half a KiB per pair (and the ledger's block for each), all in one state, which Step Functions
 * caps at 262,144 bytes of UTF-8 (StateEnteredEventDetails and StateExitedEventDetails, AWS Step
 * Functions API Reference); 160 pairs keep that state under a third of it. With many subnets this, not
 * `response.maxAddressesPerFinding`, is what bounds the addresses acted on.
 */
export const MAX_PAIRS_PER_FINDING = 160;
export const MAX_INSTANCE_ADDRESSES = 100;

const NETWORK_ACTIONS = new Set(['NETWORK_CONNECTION', 'PORT_PROBE']);
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const ENI_ID = /^eni-[0-9a-f]{8,17}$/;

export function triageFinding(
  event: FindingEvent,
  config: Pick<WardenConfig, 'response'>,
  context: TriageContext = {},
): TriageResult {
  const finding = event.detail;
  const response = config.response;
  const notes: string[] = [];
  const policy = evaluatePolicy(finding, response.policy, context);
  const sample = isSampleFinding(finding);
  const dryRunReasons: TriageResult['dryRunReasons'] = [];
  if (response.mode === 'dry-run') dryRunReasons.push('MODE_DRY_RUN');
  if (sample) dryRunReasons.push('SAMPLE_FINDING');

  const { targets, skipped } = blockTargets(finding);
  if (skipped > 0) {
    notes.push(
      `${skipped} network interface(s) without a well-formed subnet id were left out of the targets`,
    );
  }
  const ownAddresses = instanceAddressesOf(finding);
  const archived = finding.service.archived === true;
  const guard = archived ? 'ARCHIVED' : findingGuard(finding, targets, response.killSwitch);
  const isNeverBlock = createNeverBlockGuard({
    ownCidrs: response.ownCidrs,
    allowList: response.allowList,
    instanceAddresses: ownAddresses,
  });

  // Past the limit, an address Warden would block is only notified: the block task's state,
  // and the NACLs, stay bounded however many addresses one finding names.
  const byPairs = Math.max(1, Math.floor(MAX_PAIRS_PER_FINDING / Math.max(1, targets.length)));
  const limit = Math.min(response.maxAddressesPerFinding, byPairs);
  let toAct = 0;
  const all = remoteAddresses(finding).map(({ address, source }): AddressDecision => {
    const neverBlock = isNeverBlock(address);
    let [action, reason]: readonly [AddressAction, AddressReason] = neverBlock
      ? (['NONE', neverBlock] as const)
      : addressVerdict(policy.action, guard);
    if (action === 'BLOCK' || action === 'APPROVAL') {
      toAct += 1;
      if (toAct > limit) [action, reason] = ['NOTIFY', 'ADDRESS_LIMIT_EXCEEDED'];
    }
    return { address, cidr: blockCidrFor(address), action, reason, source };
  });
  const actionable = toAct > 0;
  const overLimit = Math.max(0, toAct - limit);

  let decision: TriageAction = policy.action;
  let reason: TriageReason = 'POLICY';
  if (archived) {
    decision = 'IGNORE';
    reason = 'ARCHIVED';
  } else if ((policy.action === 'BLOCK_AUTO' || policy.action === 'BLOCK_WITH_APPROVAL') && !actionable) {
    // People still hear of an attack Warden wanted to block but may not.
    decision = 'NOTIFY';
    reason = guard ?? 'NO_BLOCKABLE_ADDRESS';
  } else if (overLimit > 0) {
    reason = 'ADDRESS_LIMIT_EXCEEDED';
    const why =
      limit < response.maxAddressesPerFinding
        ? `at most ${MAX_PAIRS_PER_FINDING} address-subnet pairs, over ${targets.length} subnets`
        : `response.maxAddressesPerFinding`;
    notes.push(
      `${toAct} addresses could be blocked; the first ${limit} (${why}) are acted on and ${overLimit} only notified`,
    );
  }

  // Stable order, actionable first, so that a cap never drops an address Warden acts on in
  // favour of one it only mentions.
  const rank = { BLOCK: 0, APPROVAL: 0, NOTIFY: 1, NONE: 2 } as const;
  const ordered = all
    .map((a, i) => ({ a, i }))
    .sort((x, y) => rank[x.a.action] - rank[y.a.action] || x.i - y.i)
    .map(({ a }) => a);
  const addresses = ordered.slice(0, MAX_ADDRESSES);
  const addressesOmitted = ordered.length - addresses.length;
  if (addressesOmitted > 0) {
    notes.push(
      `${addressesOmitted} of ${ordered.length} remote addresses were left out (limit ${MAX_ADDRESSES})`,
    );
  }
  if (ownAddresses.length > MAX_INSTANCE_ADDRESSES) {
    notes.push(
      `the instance has ${ownAddresses.length} addresses; the first ${MAX_INSTANCE_ADDRESSES} are listed`,
    );
  }

  return {
    findingId: finding.id,
    accountId: finding.accountId,
    region: finding.region,
    type: finding.type,
    severity: finding.severity,
    severityBand: severityBand(finding.severity),
    count: finding.service.count ?? null,
    resourceRole: finding.service.resourceRole ?? null,
    instanceId: finding.resource.instanceDetails?.instanceId ?? null,
    decision,
    reason,
    rule: policy.rule,
    policyAction: policy.action,
    category: policy.category,
    dryRun: dryRunReasons.length > 0,
    dryRunReasons,
    recommendation: decision === 'IGNORE' ? null : recommendationFor(finding),
    addresses,
    addressesTotal: ordered.length,
    addressesOmitted,
    targets,
    instanceAddresses: ownAddresses.slice(0, MAX_INSTANCE_ADDRESSES),
    notes,
  };
}

/**
 * The first reason, if any, why no address of this finding may be denied in a NACL, whatever the
 * policy says. Only an inbound connection to, or a port probe of, our instance (role TARGET) is
 * blockable; anything unrecognised is not, so a new GuardDuty value fails towards "notify".
 */
function findingGuard(finding: Finding, targets: BlockTarget[], killSwitch: boolean): FindingGuard | null {
  const role = finding.service.resourceRole;
  const action = finding.service.action;
  if (role === 'ACTOR') return 'RESOURCE_IS_ACTOR';
  // API calls, DNS requests, Kubernetes calls and the rest never cross a NACL as inbound traffic.
  if (!action?.actionType || !NETWORK_ACTIONS.has(action.actionType)) return 'NOT_BLOCKABLE_BY_NACL';
  if (action.actionType === 'NETWORK_CONNECTION') {
    const direction = action.networkConnectionAction?.connectionDirection;
    // Our instance called out: it may be compromised, so it needs investigating; a deny entry
    // would hide the symptom and warn whoever controls it.
    if (direction === 'OUTBOUND') return 'OUTBOUND_CONNECTION';
    if (direction !== 'INBOUND') return 'CONNECTION_DIRECTION_UNKNOWN';
  }
  if (role !== 'TARGET') return 'RESOURCE_ROLE_UNKNOWN';
  if (targets.length === 0) return 'NO_TARGET_SUBNET';
  if (killSwitch) return 'KILL_SWITCH';
  return null;
}

function addressVerdict(
  policyAction: TriageAction,
  guard: FindingGuard | null,
): readonly [AddressAction, AddressReason] {
  if (guard === 'ARCHIVED') return ['NONE', 'ARCHIVED'];
  if (policyAction === 'IGNORE') return ['NONE', 'FINDING_IGNORED'];
  if (guard) return ['NOTIFY', guard];
  if (policyAction === 'BLOCK_AUTO') return ['BLOCK', 'POLICY_BLOCK_AUTO'];
  if (policyAction === 'BLOCK_WITH_APPROVAL') return ['APPROVAL', 'POLICY_BLOCK_WITH_APPROVAL'];
  return ['NOTIFY', 'POLICY_NOTIFY'];
}

function recommendationFor(finding: Finding): Recommendation | null {
  if (finding.service.resourceRole === 'ACTOR') return 'ISOLATE_INSTANCE';
  const connection = finding.service.action?.networkConnectionAction;
  if (
    finding.service.action?.actionType === 'NETWORK_CONNECTION' &&
    connection?.connectionDirection === 'OUTBOUND'
  ) {
    return 'INVESTIGATE_INSTANCE';
  }
  return null;
}

/** Distinct remote addresses in the order the finding names them, v4 before v6 of one peer. */
function remoteAddresses(finding: Finding): Array<{ address: string; source: AddressDecision['source'] }> {
  const seen = new Set<string>();
  const found: Array<{ address: string; source: AddressDecision['source'] }> = [];
  const add = (details: RemoteIpDetails, source: AddressDecision['source']) => {
    for (const address of [details.ipAddressV4, details.ipAddressV6]) {
      if (address === undefined) continue;
      // `::ffff:198.51.100.7` and `198.51.100.7` are one peer and one NACL entry.
      const key = effectiveAddress(address);
      if (seen.has(key)) continue;
      seen.add(key);
      found.push({ address, source });
    }
  };
  const action = finding.service.action;
  if (action?.networkConnectionAction)
    add(action.networkConnectionAction.remoteIpDetails, 'NETWORK_CONNECTION');
  for (const probe of action?.portProbeAction?.portProbeDetails ?? [])
    add(probe.remoteIpDetails, 'PORT_PROBE');
  return found;
}

function instanceAddressesOf(finding: Finding): string[] {
  const addresses = new Set<string>();
  for (const eni of finding.resource.instanceDetails?.networkInterfaces ?? []) {
    const candidates = [
      eni.privateIpAddress,
      ...(eni.privateIpAddresses ?? []).map((p) => p.privateIpAddress),
      eni.publicIp,
      ...(eni.ipv6Addresses ?? []),
    ];
    for (const address of candidates) if (address !== undefined) addresses.add(effectiveAddress(address));
  }
  return [...addresses];
}

/** One target per subnet; interfaces whose subnet id is not a real one (sample findings) are skipped. */
function blockTargets(finding: Finding): { targets: BlockTarget[]; skipped: number } {
  const bySubnet = new Map<string, BlockTarget>();
  let skipped = 0;
  for (const eni of finding.resource.instanceDetails?.networkInterfaces ?? []) {
    if (!eni.subnetId || !SUBNET_ID.test(eni.subnetId)) {
      skipped += 1;
      continue;
    }
    const target = bySubnet.get(eni.subnetId) ?? {
      subnetId: eni.subnetId,
      vpcId: eni.vpcId && VPC_ID.test(eni.vpcId) ? eni.vpcId : null,
      networkInterfaceIds: [],
    };
    bySubnet.set(eni.subnetId, target);
    const eniId = eni.networkInterfaceId;
    if (eniId && ENI_ID.test(eniId) && !target.networkInterfaceIds.includes(eniId)) {
      target.networkInterfaceIds.push(eniId);
    }
  }
  return { targets: [...bySubnet.values()], skipped };
}
