import type { HistoryIndex } from './history-index';
import { keyedObjects, type Loose, list, num, obj, secondsBetween, str, strings } from './loose';
import type {
  AddressFacts,
  ApprovalFacts,
  ExtensionFacts,
  LiftFacts,
  NaclChange,
  TriageFacts,
  Trigger,
} from './model';

/**
 * The response workflow's part of a story. The execution input holds `finding` and `triage`;
 * the approval is the callback task (its result, its rejection or its timeout); the NACL changes
 * are the results of the first task that returns a block state (`results`, `owned`, `lifted`),
 * and each later one (the lift task, after each wait) adds lifts and extensions.
 */
export function findingTrigger(input: unknown): Trigger | null {
  const finding = obj(obj(input)?.finding);
  const triage = obj(obj(input)?.triage);
  const id = str(finding?.id) ?? str(triage?.findingId);
  if (!id) return null;
  return {
    kind: 'guardduty-finding',
    findingId: id,
    type: str(finding?.type) ?? str(triage?.type),
    severity: num(finding?.severity) ?? num(triage?.severity),
    accountId: str(finding?.accountId) ?? str(triage?.accountId),
    region: str(finding?.region) ?? str(triage?.region),
    title: str(finding?.title),
    updatedAt: str(finding?.updatedAt),
    count: num(finding?.count) ?? num(triage?.count),
  };
}

export function triageFacts(input: unknown): TriageFacts | null {
  const triage = obj(obj(input)?.triage);
  const decision = str(triage?.decision);
  if (!triage || !decision) return null;
  return {
    decision,
    reason: str(triage.reason),
    rule: str(triage.rule),
    policyAction: str(triage.policyAction),
    category: str(triage.category),
    severityBand: str(triage.severityBand),
    dryRun: triage.dryRun === true,
    recommendation: str(triage.recommendation),
    addresses: keyedObjects(
      triage.addresses,
      'address',
      (a, address): AddressFacts => ({
        address,
        cidr: str(a.cidr) ?? address,
        action: str(a.action) ?? 'UNKNOWN',
        reason: str(a.reason) ?? '',
      }),
    ),
    notes: strings(triage.notes),
  };
}

const REJECTED = 'ApprovalRejected';
/** Shown for a NACL the block result did not list (PairResult.viewOmitted): it changed too many. */
const OMITTED_VIEW = '(not listed: the finding changed more NACL entries than one result keeps)';

export function approvalFacts(index: HistoryIndex, finished: boolean): ApprovalFacts | null {
  const callback = index.callbacks.at(-1);
  if (!callback) return null;
  const requestedAt = callback.at;
  const base = {
    requestedAt,
    timeoutSeconds: callback.timeoutSeconds,
    onTimeout: null,
    proposedNacls: proposedNacls(index),
  };
  // An approver's answer (the task's output, or a rejection's cause) says who, why and when.
  const answered = (outcome: 'APPROVED' | 'REJECTED', answer: Loose | null, at: string): ApprovalFacts => {
    const decidedAt = str(answer?.decidedAt) ?? at;
    return {
      ...base,
      outcome,
      approver: str(answer?.approver),
      reason: str(answer?.reason),
      decidedAt,
      latencySeconds: secondsBetween(requestedAt, decidedAt),
    };
  };
  const settled = callback.settled;
  if (settled?.kind === 'succeeded') return answered('APPROVED', obj(settled.output), settled.at);
  if (settled?.kind === 'failed' && settled.error === REJECTED) {
    let cause: Loose | null = null;
    try {
      cause = obj(JSON.parse(settled.cause));
    } catch {
      // A cause that is not JSON still means a rejection; who and why are then unknown.
    }
    return answered('REJECTED', cause, settled.at);
  }
  if (settled?.kind === 'timedOut') {
    // The policy's "block when nobody answers" puts an approval in the state after the timeout.
    const blockedAnyway = index.exited.some(
      (e) => e.at >= settled.at && obj(obj(e.output)?.approval)?.approved === true,
    );
    return {
      ...base,
      outcome: 'TIMED_OUT',
      approver: null,
      reason: null,
      decidedAt: settled.at,
      latencySeconds: secondsBetween(requestedAt, settled.at),
      onTimeout: blockedAnyway ? 'BLOCKED_BY_POLICY' : finished ? 'NOT_BLOCKED' : null,
    };
  }
  const outcome = settled?.kind === 'failed' ? 'FAILED' : finished ? 'NOT_DECIDED' : 'PENDING';
  return { ...base, outcome, approver: null, reason: null, decidedAt: null, latencySeconds: null };
}

function proposedNacls(index: HistoryIndex): string[] {
  for (const result of index.taskResults) {
    const request = obj(obj(result.output)?.approvalRequest);
    if (request) return list(request.nacls).flatMap((n) => str(obj(n)?.naclId) ?? []);
  }
  return [];
}

interface BlockState {
  at: string;
  state: string | null;
  results: Record<string, unknown>[];
  owned: Record<string, unknown>[];
  lifted: Record<string, unknown>[];
}

function blockStates(index: HistoryIndex): BlockState[] {
  return index.taskResults.flatMap((r): BlockState[] => {
    const out = obj(r.output);
    if (!out || !Array.isArray(out.results) || !Array.isArray(out.owned)) return [];
    const records = (value: unknown) =>
      list(value).flatMap((v): Record<string, unknown>[] => {
        const o = obj(v);
        return o ? [o] : [];
      });
    return [
      {
        at: r.at,
        state: r.state,
        results: records(out.results),
        owned: records(out.owned),
        lifted: records(out.lifted),
      },
    ];
  });
}

export function blockFacts(
  index: HistoryIndex,
  trigger: Trigger | null,
  approver: string | null,
): { naclChanges: NaclChange[]; lifts: LiftFacts[]; extensions: ExtensionFacts[] } {
  const [block, ...later] = blockStates(index);
  if (!block) return { naclChanges: [], lifts: [], extensions: [] };
  const finding = trigger?.kind === 'guardduty-finding' ? trigger : null;
  const naclChanges = block.results.map((r): NaclChange => {
    const naclId = str(r.naclId) ?? 'unknown';
    const cidr = str(r.cidr) ?? 'unknown';
    const owned = block.owned.find((o) => o.naclId === naclId && o.cidr === cidr);
    const evicted = obj(r.evicted);
    return {
      at: block.at,
      state: block.state,
      accountId: str(owned?.account) ?? finding?.accountId ?? null,
      region: str(owned?.region) ?? finding?.region ?? null,
      naclId,
      subnetIds: strings(r.subnetIds),
      cidr,
      outcome: str(r.outcome) ?? 'UNKNOWN',
      ruleNumber: num(r.ruleNumber),
      detail: str(r.detail) ?? '',
      before: r.viewOmitted ? [OMITTED_VIEW] : strings(r.before),
      after: r.viewOmitted ? [OMITTED_VIEW] : strings(r.after),
      evicted:
        evicted && str(evicted.cidr) && num(evicted.ruleNumber) !== null
          ? { cidr: str(evicted.cidr)!, ruleNumber: num(evicted.ruleNumber)! }
          : null,
      expiresAt: str(owned?.expiresAt),
      approvedBy: approver,
    };
  });
  const lifts: LiftFacts[] = [];
  const extensions: ExtensionFacts[] = [];
  let previous = block;
  for (const state of later) {
    for (const l of state.lifted.slice(previous.lifted.length)) {
      lifts.push({
        at: str(l.at) ?? state.at,
        naclId: str(l.naclId) ?? 'unknown',
        cidr: str(l.cidr) ?? 'unknown',
        ruleNumber: num(l.ruleNumber),
        outcome: str(l.outcome) ?? 'UNKNOWN',
      });
    }
    for (const o of state.owned) {
      const before = previous.owned.find((p) => p.naclId === o.naclId && p.cidr === o.cidr);
      const from = str(before?.expiresAt);
      const to = str(o.expiresAt);
      if (to && from && to > from) {
        extensions.push({
          at: state.at,
          naclId: str(o.naclId) ?? 'unknown',
          cidr: str(o.cidr) ?? 'unknown',
          ruleNumber: num(o.ruleNumber),
          from,
          to,
        });
      }
    }
    previous = state;
  }
  return { naclChanges, lifts, extensions };
}
