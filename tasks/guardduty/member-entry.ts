import * as z from 'zod';
import { accountIdSchema as accountId } from '../../config/aws-names';
import { MEMBER_STATUSES } from './members';

/**
 * How Warden's work on one account's membership in one region ended: onboarding reports it, the
 * membership steps set it.
 */
export const OUTCOMES = [
  'ENABLED',
  'ALREADY_ENABLED',
  'REGION_NOT_ENABLED',
  'MEMBER_OF_ANOTHER_ADMINISTRATOR',
  'EMAIL_VERIFICATION_IN_PROGRESS',
  'EMAIL_VERIFICATION_FAILED',
  'RESIGNED',
  'DISABLED',
  'NOT_ENABLED_IN_TIME',
  'NOT_DELEGATED_ADMINISTRATOR',
  'MEMBER_ROLE_UNAVAILABLE',
  'UNKNOWN_RELATIONSHIP_STATUS',
  'FAILED',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** One account's membership in one region as the membership steps carry it from call to call. */
export const MemberEntry = z.object({
  accountId,
  email: z.string().min(3),
  status: z.enum(MEMBER_STATUSES).default('None'),
  /** Set when the account was Enabled before this run, so the result says "already enabled". */
  alreadyEnabled: z.boolean().optional(),
  memberDetectorId: z.string().optional(),
  /** Set once the account's branch in this region has ended; later steps leave it alone. */
  outcome: z.enum(OUTCOMES).optional(),
  detail: z.string().optional(),
  error: z.string().optional(),
});
export type MemberEntry = z.infer<typeof MemberEntry>;
