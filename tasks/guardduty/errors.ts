import { WardenError } from '../shared/errors';

/**
 * Errors of the onboarding, sweep and free-trial workflows. Each ends only the branch it happens
 * in (one account in one region, or one region); the Catch rules and the per-region results name
 * them, so the execution history and the notification say what went wrong.
 */

/** GuardDuty refused to add, invite or accept an account and gave no reason Warden recognises. */
export class MembershipRejectedError extends WardenError {}
/** A GuardDuty answer lacks what the call promises (a detector id, a member record). */
export class UnexpectedGuardDutyResponseError extends WardenError {}
/** The member has no pending invitation from Warden's administrator and is not associated with it. */
export class InvitationNotFoundError extends WardenError {}
