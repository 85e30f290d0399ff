/**
 * The story of one execution, as `warden audit` tells it: what started it, what Warden decided
 * and why, who approved, what changed in which NACL, when it was lifted, who was told, and what
 * went wrong. Every part is derived from the execution history; a part the history does not
 * hold is null or empty, never guessed.
 */
export interface AuditStory {
  /**
   * For a decision record (a finding the intake ignored without starting an execution), the
   * record's own facts; `execution` then names the record (workflow `ignored`, status RECORDED).
   * Null for an execution.
   */
  decision: DecisionRecordFacts | null;
  execution: ExecutionFacts;
  trigger: Trigger | null;
  triage: TriageFacts | null;
  approval: ApprovalFacts | null;
  naclChanges: NaclChange[];
  lifts: LiftFacts[];
  extensions: ExtensionFacts[];
  onboarding: OnboardingFacts | null;
  notifications: NotificationFacts[];
  errors: ErrorFacts[];
  /** The states entered, in order: the history read as sentences. */
  timeline: TimelineStep[];
  /** One line in plain words. */
  outcome: string;
}

/**
 * The parts of a story in which nothing was approved, changed, notified or failed, as in the story
 * of a decision record, which starts no execution.
 */
export function nothingHappened(): Pick<
  AuditStory,
  'approval' | 'naclChanges' | 'lifts' | 'extensions' | 'onboarding' | 'notifications' | 'errors'
> {
  return {
    approval: null,
    naclChanges: [],
    lifts: [],
    extensions: [],
    onboarding: null,
    notifications: [],
    errors: [],
  };
}

export interface DecisionRecordFacts {
  decidedAt: string;
  /** The function that decided (the intake's task id). */
  decidedBy: string;
  /** Digest of the response config the intake decided under. */
  policyVersion: string;
  /** When the findings table's TTL removes the record. */
  keptUntil: string;
}

export interface ExecutionFacts {
  arn: string;
  name: string;
  stateMachine: string;
  /** Warden's short workflow name (`response`, `onboarding`, …), or the state machine's name. */
  workflow: string;
  status: string;
  startedAt: string;
  stoppedAt: string | null;
  durationSeconds: number | null;
  historyEvents: number;
}

export type Trigger =
  | {
      kind: 'guardduty-finding';
      findingId: string;
      type: string | null;
      severity: number | null;
      accountId: string | null;
      region: string | null;
      title: string | null;
      updatedAt: string | null;
      count: number | null;
    }
  | {
      kind: 'control-tower';
      eventName: string | null;
      accountId: string | null;
      accountName: string | null;
      organizationalUnit: string | null;
      state: string | null;
    }
  | { kind: 'request'; source: string; accounts: string[] }
  | { kind: 'unknown'; summary: string };

export interface AddressFacts {
  address: string;
  cidr: string;
  action: string;
  reason: string;
}

export interface TriageFacts {
  decision: string;
  /** POLICY, or the guard that overruled the policy. */
  reason: string | null;
  rule: string | null;
  policyAction: string | null;
  category: string | null;
  severityBand: string | null;
  dryRun: boolean;
  recommendation: string | null;
  addresses: AddressFacts[];
  notes: string[];
}

/**
 * PENDING: still waiting; FAILED: the approval task itself failed (see errors); NOT_DECIDED: the
 * execution ended (stopped) while waiting.
 */
export type ApprovalOutcome = 'APPROVED' | 'REJECTED' | 'TIMED_OUT' | 'PENDING' | 'FAILED' | 'NOT_DECIDED';

export interface ApprovalFacts {
  outcome: ApprovalOutcome;
  approver: string | null;
  reason: string | null;
  requestedAt: string | null;
  decidedAt: string | null;
  /** From the request to the decision (or the timeout). */
  latencySeconds: number | null;
  timeoutSeconds: number | null;
  /** After a timeout: whether policy blocked anyway. */
  onTimeout: 'BLOCKED_BY_POLICY' | 'NOT_BLOCKED' | null;
  /** The NACLs the approver was shown. */
  proposedNacls: string[];
}

export interface NaclChange {
  at: string;
  state: string | null;
  accountId: string | null;
  region: string | null;
  naclId: string;
  subnetIds: string[];
  cidr: string;
  outcome: string;
  ruleNumber: number | null;
  detail: string;
  before: string[];
  after: string[];
  evicted: { cidr: string; ruleNumber: number } | null;
  expiresAt: string | null;
  approvedBy: string | null;
}

export interface LiftFacts {
  at: string;
  naclId: string;
  cidr: string;
  ruleNumber: number | null;
  outcome: string;
}

export interface ExtensionFacts {
  at: string;
  naclId: string;
  cidr: string;
  ruleNumber: number | null;
  from: string | null;
  to: string;
}

export interface OnboardingRegionFacts {
  region: string;
  outcome: string;
  kind: string;
  detail: string | null;
  error: string | null;
}

export interface OnboardingAccountFacts {
  accountId: string;
  name: string | null;
  result: string;
  reason: string | null;
  regions: OnboardingRegionFacts[];
}

export interface OnboardingFacts {
  /** The request led to no onboarding (the reason says why). */
  skipped: boolean;
  reason: string | null;
  detail: string | null;
  accounts: OnboardingAccountFacts[];
}

export interface NotificationFacts {
  at: string;
  state: string | null;
  category: string | null;
  published: boolean;
  messageId: string | null;
  /** Why nothing was published (e.g. the category is switched off). */
  reason: string | null;
}

export interface ErrorFacts {
  at: string;
  state: string | null;
  error: string;
  cause: string;
}

export interface TimelineStep {
  at: string;
  state: string;
  type: string;
}
