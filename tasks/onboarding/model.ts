import * as z from 'zod';
import { accountIdSchema } from '../../config/aws-names';
import { MemberEntry, OUTCOMES, type Outcome } from '../guardduty/member-entry';

/**
 * The data the onboarding workflow passes from state to state. Every task validates its input
 * against these schemas, so a change to one step's output that another step does not expect
 * fails at that step with the field's name instead of doing something half right.
 */

export const accountId = accountIdSchema;

export { MemberEntry, OUTCOMES, type Outcome };

/** The four buckets SPEC.md reports in: enabled / already enabled / skipped / failed. */
export type OutcomeKind = 'enabled' | 'already-enabled' | 'skipped' | 'failed';

export function kindOf(outcome: Outcome): OutcomeKind {
  if (outcome === 'ENABLED') return 'enabled';
  if (outcome === 'ALREADY_ENABLED') return 'already-enabled';
  if (outcome === 'REGION_NOT_ENABLED') return 'skipped';
  return 'failed';
}

/** What a per-account Map iteration (ensure detector, accept) reports back to the region. */
export const StepResult = z.object({
  accountId,
  ok: z.boolean(),
  memberDetectorId: z.string().optional(),
  outcome: z.enum(OUTCOMES).optional(),
  detail: z.string().optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
});
export type StepResult = z.infer<typeof StepResult>;

export const WorkItem = z.object({ accountId, memberDetectorId: z.string().optional() });
export type WorkItem = z.infer<typeof WorkItem>;

/** One region's work: the state every task of a region's branch takes and returns. */
export const RegionWork = z.object({
  region: z.string().min(1),
  administratorDetectorId: z.string().optional(),
  members: z.array(MemberEntry),
  /** Accounts the next Map state iterates over. */
  work: z.array(WorkItem).default([]),
  /** The results of the Map state that just ran. */
  stepResults: z.array(StepResult).optional(),
  /** How many times membership status was checked after accepting. */
  checks: z.number().int().min(0).default(0),
  /** Accounts still reported as Invited after the last check. */
  pending: z.number().int().min(0).default(0),
});
export type RegionWork = z.infer<typeof RegionWork>;

/** One region's outcome for every account of the request, as the region's branch ends. */
export const RegionResult = z.object({
  region: z.string().min(1),
  members: z.array(MemberEntry),
  /** Present when the whole region failed (Catch), e.g. the administrator's detector could not be made. */
  failure: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
});
export type RegionResult = z.infer<typeof RegionResult>;

export const SKIP_REASONS = [
  'NOT_A_CONTROL_TOWER_EVENT',
  'UNSUPPORTED_EVENT',
  'ACCOUNT_CREATION_NOT_SUCCEEDED',
  'MALFORMED_EVENT',
  'MALFORMED_REQUEST',
  'MANAGEMENT_ACCOUNT',
  'ADMINISTRATOR_ACCOUNT',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export const ACCOUNT_REASONS = [
  'ACCOUNT_NOT_FOUND',
  'ACCOUNT_SUSPENDED',
  'ACCOUNT_CLOSING',
  'MANAGEMENT_ACCOUNT',
  'ADMINISTRATOR_ACCOUNT',
  'DESCRIBE_FAILED',
] as const;
export type AccountReason = (typeof ACCOUNT_REASONS)[number];

/** An account as DescribeAccount and ListRegions showed it, and whether it may be onboarded. */
export const DescribedAccount = z.object({
  accountId,
  name: z.string().optional(),
  email: z.string().optional(),
  eligible: z.boolean(),
  reason: z.enum(ACCOUNT_REASONS).optional(),
  detail: z.string().optional(),
  /** Regions the account may use (enabled by default or opted in). */
  enabledRegions: z.array(z.string()).optional(),
});
export type DescribedAccount = z.infer<typeof DescribedAccount>;

export const TRIGGERS = ['control-tower', 'cli', 'backfill', 'sweep'] as const;
export type Trigger = (typeof TRIGGERS)[number];
