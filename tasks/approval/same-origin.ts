/**
 * Whether a POST that changes something (a decision, a sign-out) came from one of Warden's own
 * pages. One rule for both doors to the approval page: the approval function behind API Gateway
 * and the local runtime's server.
 *
 * Browsers tell where a request comes from in two headers:
 * - `Sec-Fetch-Site` (W3C Fetch Metadata): `same-origin` for the page's own forms, `same-site` or
 *   `cross-site` for another page. Only `same-origin` (and `none`, a request the user made
 *   themselves) acts for the session.
 * - `Origin` (WHATWG Fetch, "append a request `Origin` header"): on a POST it is the page's
 *   origin, except that under the page's `Referrer-Policy: no-referrer` browsers send the opaque
 *   `null`. `null` says nothing about where the form was, so it counts only when Sec-Fetch-Site
 *   vouches for the same origin; without Sec-Fetch-Site it may as well be a sandboxed frame on
 *   another site.
 * A request with neither header is not a browser's (every browser that posts a form sends
 * Origin), so there is no session in it to ride; the per-approval CSRF token still has to match.
 */
export interface OriginHeaders {
  origin?: string | undefined;
  'sec-fetch-site'?: string | undefined;
}

export function postFromOwnOrigin(headers: OriginHeaders, ownOrigins: readonly string[]): boolean {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = headers.origin;
  if (origin === undefined) return true;
  if (origin === 'null') return site === 'same-origin';
  return ownOrigins.includes(origin);
}
