import { WardenError } from '../shared/errors';

/**
 * What can go wrong between an approval link and a decision. Each error carries the HTTP status
 * the approval page answers with, so the page and the tests agree on one mapping.
 */
export abstract class ApprovalPageError extends WardenError {
  abstract readonly status: number;
}

/** The path does not hold a well-formed approval id (not even worth a table read). */
export class MalformedApprovalIdError extends ApprovalPageError {
  readonly status = 400;
}

/** The form is not acceptable: a reason that is too long, an oversized or unreadable body. */
export class InvalidApprovalFormError extends ApprovalPageError {
  readonly status = 400;
}

/** Deciding needs a signed-in approver. */
export class NotSignedInError extends ApprovalPageError {
  readonly status = 401;
}

/** The CSRF token is missing or was not issued for this approval and this approver. */
export class CsrfTokenMismatchError extends ApprovalPageError {
  readonly status = 403;
}

/** No approval has this id: never created, forged, or removed by the table's TTL. */
export class ApprovalNotFoundError extends ApprovalPageError {
  readonly status = 404;
}

/** The route exists, but not for this method (a GET of a decision URL, say). */
export class MethodNotAllowedError extends ApprovalPageError {
  readonly status = 405;
  constructor(
    message: string,
    readonly allow: string,
  ) {
    super(message);
  }
}

/** Someone decided this approval already; a decision is single-use. */
export class AlreadyDecidedError extends ApprovalPageError {
  readonly status = 409;
  constructor(
    message: string,
    readonly decision: { status: 'APPROVED' | 'REJECTED'; decidedBy?: string; decidedAt?: string },
  ) {
    super(message);
  }
}

/** The approval's time ran out; the workflow follows its on-timeout policy instead. */
export class ApprovalExpiredError extends ApprovalPageError {
  readonly status = 410;
  constructor(
    message: string,
    readonly expiresAt: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Signing in (AWS only: the approval function runs the OpenID Connect code flow itself).

/** A sign-in request or callback that cannot be taken: a bad state, no code, no sign-in under way. */
export class InvalidSignInError extends ApprovalPageError {
  readonly status = 400;
}

/** The issuer's ID token was refused (signature, issuer, audience, expiry, nonce) or names nobody. */
export class IdTokenRejectedError extends ApprovalPageError {
  readonly status = 401;
}

/** The issuer could not be reached or answered something other than a token. */
export class IdentityProviderError extends ApprovalPageError {
  readonly status = 502;
}

/** The sign-in settings of the deployment are unusable (a short session key, an insecure endpoint). */
export class SignInConfigurationError extends WardenError {}
