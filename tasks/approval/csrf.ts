import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * CSRF tokens for the approval forms: HMAC-SHA256 keyed by the approval's secret nonce over the
 * approval id and the approver's name. A token is thus bound to one approval and one person, and
 * needs no server-side session: a page rendered for alice cannot be replayed by bob, and a token
 * of one approval is worthless for another.
 */
export function csrfToken(nonce: string, approvalId: string, approver: string): string {
  return createHmac('sha256', nonce).update(`${approvalId}|${approver}`).digest('base64url');
}

/** Compares in constant time, so the response time does not leak how much of a guess was right. */
export function verifyCsrfToken(
  nonce: string,
  approvalId: string,
  approver: string,
  presented: string | null | undefined,
): boolean {
  if (typeof presented !== 'string' || presented.length === 0) return false;
  const expected = Buffer.from(csrfToken(nonce, approvalId, approver));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
