import type { PendingApprovalListing } from '../../tasks/approval/pending-listing';
import type { RelationshipStatus } from '../sandbox/guardduty';

/**
 * What the console shows, read once per request and then rendered by pure functions (render.ts),
 * so that the page can be tested with any state, hostile text included, without a runtime.
 *
 * Each part is read on its own: when one source fails (say DynamoDB), the page still shows the
 * others and says plainly which part could not be read and why.
 */
export type Readout<T> = { ok: true; value: T } | { ok: false; error: string };

export interface ConsoleView {
  /** The runtime's clock, which may be a test's manual clock: relative times count from it. */
  now: Date;
  signedInAs: string | null;
  settings: ConsoleSettings;
  coverage: Readout<CoverageView>;
  blocks: Readout<BlockRow[]>;
  approvals: Readout<ApprovalRow[]>;
  executions: Readout<ExecutionRow[]>;
  notifications: Readout<NotificationRow[]>;
}

export interface ConsoleSettings {
  administratorAccountId: string;
  homeRegion: string;
  onboardingMode: string;
  responseMode: string;
  killSwitch: boolean;
  /** How often the page reloads itself; 0 when it does not. */
  refreshSeconds: number;
}

/**
 * A member account's GuardDuty status in one region, as the administrator's membership record
 * holds it; `NotMember` when there is no record, `RegionDisabled` when the account has not
 * enabled the opt-in region (onboarding skips it).
 */
export type CoverageStatus = RelationshipStatus | 'NotMember' | 'RegionDisabled';

export interface CoverageView {
  regions: string[];
  accounts: CoverageAccount[];
}

export interface CoverageAccount {
  id: string;
  name: string;
  cells: { region: string; status: CoverageStatus }[];
}

/** Where an execution's story page is: execution names are unique per state machine only. */
export interface ExecutionRef {
  stateMachine: string;
  name: string;
}

export interface BlockRow {
  cidr: string;
  account: string;
  region: string;
  naclId: string;
  ruleNumber: number;
  /** APPLYING while the entry is being written, ACTIVE once it is in the NACL. */
  state: string;
  createdAt: string;
  expiresAt: string;
  findingId: string;
  /** From the input of the execution that made the block; null when it is no longer known. */
  findingType: string | null;
  severity: number | null;
  approvedBy: string | null;
  execution: ExecutionRef | null;
}

/** A pending approval as `warden approvals` lists it (its page is linked by id), with its NACLs and execution. */
export type ApprovalRow = Omit<PendingApprovalListing, 'link'> & {
  naclIds: string[];
  execution: ExecutionRef | null;
};

export interface ExecutionRow {
  workflow: string;
  execution: ExecutionRef;
  status: string;
  startedAt: string;
  stoppedAt: string | null;
  /** Until the stop, or until now while it runs. */
  durationSeconds: number;
  /** The finding a response (or ignored) execution started from, as the intake put it in the input. */
  finding: { type: string; severity: number | null } | null;
  /** What the policy decided for it (IGNORE, NOTIFY, BLOCK_WITH_APPROVAL, BLOCK_AUTO), with its reason and dry-run flag. */
  decision: { action: string; reason: string | null; dryRun: boolean } | null;
  /** The accounts an onboarding execution was asked to onboard; empty for other workflows. */
  accounts: string[];
}

/** One message Warden sent to its topic, as an e-mail subscriber received it. */
export interface NotificationRow {
  at: string;
  subject: string | null;
  /** The `category` message attribute subscribers filter on; null when the message has none. */
  category: string | null;
  /** The e-mail text, as sent: plain text, paragraphs separated by blank lines. */
  text: string;
}
