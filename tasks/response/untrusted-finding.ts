import { createHash } from 'node:crypto';
import type { WardenConfig } from '../../config/schema';
import type { UnsafeFindingIdentity } from './finding';
import { severityBand } from './policy';
import type { TriageResult } from './triage';

/**
 * The decision for a GuardDuty finding Warden cannot act on safely: a malformed id, address,
 * timestamp or instance, or an origin that disagrees with the finding. People hear of it
 * (NOTIFY, with the reason in the notes), nothing is blocked, and the finding never ends in the
 * intake's dead-letter queue, where nobody reads it.
 */
export const UNTRUSTED_RULE = 'finding Warden cannot act on safely';

export function triageUntrustedFinding(
  identity: UnsafeFindingIdentity,
  problem: string,
  rawDetail: unknown,
  config: Pick<WardenConfig, 'response' | 'organization'>,
): TriageResult {
  const notes = [`not acted on: ${problem}`];
  // The id names the execution and the findings-table row; an unusable one is replaced by a
  // digest of the finding, so a repeated delivery still collides.
  const findingId =
    identity.id ??
    `untrusted-${createHash('sha256').update(JSON.stringify(rawDetail)).digest('hex').slice(0, 32)}`;
  if (!identity.id) notes.push(`the finding's id is unusable; it is recorded as ${findingId}`);
  const accountId = identity.accountId ?? identity.eventAccount ?? config.organization.securityAccountId;
  if (!identity.accountId) notes.push(`the finding's account is unusable; it is recorded under ${accountId}`);
  const severity = identity.severity ?? 0;
  const dryRunReasons: TriageResult['dryRunReasons'] =
    config.response.mode === 'dry-run' ? ['MODE_DRY_RUN'] : [];
  return {
    findingId,
    accountId,
    region: identity.region ?? identity.eventRegion ?? config.organization.homeRegion,
    type: identity.type ?? 'Unknown:Unknown/Unrecognised',
    severity,
    severityBand: severityBand(severity),
    count: null,
    resourceRole: null,
    instanceId: null,
    decision: 'NOTIFY',
    reason: 'UNTRUSTED_FINDING',
    rule: UNTRUSTED_RULE,
    policyAction: 'NOTIFY',
    category: 'FINDING',
    dryRun: dryRunReasons.length > 0,
    dryRunReasons,
    recommendation: null,
    addresses: [],
    addressesTotal: 0,
    addressesOmitted: 0,
    targets: [],
    instanceAddresses: [],
    notes,
  };
}

/**
 * A finding whose origin disagrees with it is told to people, never blocked: every address
 * Warden would have denied or asked about becomes a mention.
 */
export function withOriginGuard(triage: TriageResult, problem: string): TriageResult {
  const wantsBlock = triage.decision === 'BLOCK_AUTO' || triage.decision === 'BLOCK_WITH_APPROVAL';
  return {
    ...triage,
    decision: wantsBlock ? 'NOTIFY' : triage.decision,
    reason: wantsBlock ? 'ORIGIN_MISMATCH' : triage.reason,
    addresses: triage.addresses.map((a) =>
      a.action === 'BLOCK' || a.action === 'APPROVAL'
        ? { ...a, action: 'NOTIFY', reason: 'ORIGIN_MISMATCH' }
        : a,
    ),
    notes: [...triage.notes, `never blocked: ${problem}`],
  };
}
