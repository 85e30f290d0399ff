import type { Member } from '@aws-sdk/client-guardduty';

/** GuardDuty takes at most this many accounts per member call. */
export const GUARDDUTY_BATCH = 50;

/**
 * The values GuardDuty gives a member's RelationshipStatus. The API documents the field as a free
 * string (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Member.html); these are
 * the ones it names. The sandbox gives its members these and no others.
 */
export const RELATIONSHIP_STATUSES = [
  'Created',
  'Invited',
  'Enabled',
  'Disabled',
  'Removed',
  'Resigned',
  'EmailVerificationInProgress',
  'EmailVerificationFailed',
] as const;

/**
 * GuardDuty's RelationshipStatus as the administrator sees it, or None when there is no record;
 * a value not in RELATIONSHIP_STATUSES is `Unknown`: that account's branch ends with a result,
 * the region goes on.
 */
export const MEMBER_STATUSES = ['None', ...RELATIONSHIP_STATUSES, 'Unknown'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** The member's status as Warden reasons about it: None without a record, Unknown for a value not listed. */
export function statusOf(member: Member | undefined): MemberStatus {
  const raw = member?.RelationshipStatus;
  if (raw === undefined) return 'None';
  return (MEMBER_STATUSES as readonly string[]).includes(raw) && raw !== 'Unknown'
    ? (raw as MemberStatus)
    : 'Unknown';
}
