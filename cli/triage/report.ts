import type { WardenConfig } from '../../config/schema';
import { createNeverBlockGuard } from '../../tasks/response/addresses';
import { parseFindingEventFast } from '../../tasks/response/fast-finding';
import type { FindingEvent } from '../../tasks/response/finding';
import { type AddressDecision, type TriageResult, triageFinding } from '../../tasks/response/triage';

/**
 * What `warden triage` prints for one finding and `warden replay --json` prints per line: the
 * triage result, with each address's target subnets spelled out. Everything here is pure; it
 * reads no AWS and changes nothing.
 */

/** NACLs are looked up in the member account when the response runs; triage cannot know them. */
export const NACLS_AT_RUN_TIME =
  'resolved at run time: the response looks up the NACL associated with each target subnet';

export interface AddressReport extends AddressDecision {
  /** The subnets whose NACL would get the deny entry; empty unless the action is BLOCK or APPROVAL. */
  subnets: string[];
}

export interface TriageReport extends Omit<TriageResult, 'addresses'> {
  addresses: AddressReport[];
  nacls: typeof NACLS_AT_RUN_TIME;
}

export function toTriageReport(result: TriageResult): TriageReport {
  const subnets = result.targets.map((t) => t.subnetId);
  return {
    ...result,
    addresses: result.addresses.map((a) => ({
      ...a,
      subnets: a.action === 'BLOCK' || a.action === 'APPROVAL' ? subnets : [],
    })),
    nacls: NACLS_AT_RUN_TIME,
  };
}

/**
 * A recorded finding in any of the shapes people keep them in, made into the EventBridge event
 * that triage reads: the event itself; a bare finding as EventBridge's `detail` holds it
 * (camelCase); or a finding as the GuardDuty API and SDK return it (PascalCase, `GetFindings`).
 */
export function asFindingEvent(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const record = raw as Record<string, unknown>;
  if ('detail' in record || 'detail-type' in record || 'source' in record) return record;
  if ('Id' in record && 'Type' in record) return wrap(camelCaseKeys(record));
  if ('id' in record && 'type' in record) return wrap(record);
  return record;
}

function wrap(detail: unknown): unknown {
  return { 'detail-type': 'GuardDuty Finding', source: 'aws.guardduty', detail };
}

/**
 * `{ Service: { ResourceRole: 'TARGET' } }` → `{ service: { resourceRole: 'TARGET' } }`: the
 * SDK's shape of a finding differs from the event's only in the case of each key's first letter.
 */
export function camelCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCaseKeys);
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key.charAt(0).toLowerCase() + key.slice(1)] = camelCaseKeys(v);
  }
  return out;
}

/** Validates and triages one recorded finding; throws InvalidFindingError naming the bad field. */
export function triageRecord(
  raw: unknown,
  config: Pick<WardenConfig, 'response'>,
): { event: FindingEvent; report: TriageReport } {
  const event = parseFindingEventFast(asFindingEvent(raw));
  return { event, report: toTriageReport(triageFinding(event, config)) };
}

/**
 * Checks the config's CIDR lists as triage will use them, so that a bad entry is reported once,
 * as a config problem, rather than as a failure of every finding.
 */
export function checkTriageConfig(config: Pick<WardenConfig, 'response'>): void {
  createNeverBlockGuard({ ownCidrs: config.response.ownCidrs, allowList: config.response.allowList });
}

/** The message of an error from reading a record, on one line. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, '; ');
}
