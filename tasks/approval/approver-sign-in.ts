import { z } from 'zod';
import { escapeHtml } from '../shared/escape-html';
import type { TaskDeps } from '../shared/task';
import { ApprovalPageError, IdentityProviderError, IdTokenRejectedError, InvalidSignInError } from './errors';
import { renderDocument, securityHeaders } from './html';
import { newSignInSecrets, type OidcClient, sameSecret } from './oidc-client';
import type { ApproverIdentity } from './page';
import { type CookieSealer, clearCookie, setCookie } from './sealed-cookies';
import { APPROVAL_ID_PATTERN } from './store';

/**
 * Signing approvers in, in AWS. A link in an e-mail opens the page with no bearer token, so an
 * API Gateway JWT authorizer cannot protect it; the approval function runs the OpenID Connect
 * code flow itself and keeps who signed in in a sealed cookie:
 *
 *   GET /approvals/{id} without a session  → 302 to the issuer's authorize endpoint, with state,
 *                                            nonce and PKCE challenge; the three secrets ride in a
 *                                            sealed sign-in cookie that lives 10 minutes
 *   GET /auth/callback?code&state          → state checked against the cookie, the code redeemed
 *                                            with the PKCE verifier, the ID token verified (JWKS
 *                                            signature, iss, aud, exp, nonce) → session cookie
 *                                            (8 hours) → 303 back to the approval
 *   GET /auth/sign-in?next=/approvals/{id} → the same redirect, for the page's "Sign in" link
 *
 * Both cookies are SameSite=Lax, deliberately: the e-mail link and the issuer's redirect back are
 * cross-site top-level navigations, on which browsers do not send Strict cookies; a Strict session
 * would send every approver round the issuer on every click, and a Strict sign-in cookie would be
 * missing at the callback. Lax is sent only on GETs, which change nothing here. For decisions the
 * function adds Strict's meaning itself: a POST counts as signed in only when the browser says it
 * came from this origin (Sec-Fetch-Site, Origin); the per-approval CSRF token sits on top.
 */
export const SESSION_COOKIE = '__Host-warden-session';
export const SIGN_IN_COOKIE = '__Host-warden-sign-in';
export const SIGN_IN_PATH = '/auth/sign-in';
export const CALLBACK_PATH = '/auth/callback';
/** A working day: long enough for an on-call shift's approvals, short enough for a lost laptop. */
export const SESSION_SECONDS = 8 * 3600;
/** Time to type a password and answer MFA; the state, nonce and verifier are worthless after. */
export const SIGN_IN_SECONDS = 10 * 60;

const APPROVAL_PATH = new RegExp(`^/approvals/${APPROVAL_ID_PATTERN.source.slice(1, -1)}$`);

const Session = z.object({
  v: z.literal(1),
  name: z.string().min(1),
  iss: z.string(),
  exp: z.number(),
});
type Session = z.infer<typeof Session>;

const PendingSignIn = z.object({
  v: z.literal(1),
  state: z.string().min(1),
  nonce: z.string().min(1),
  codeVerifier: z.string().min(1),
  returnTo: z.string().regex(APPROVAL_PATH),
  exp: z.number(),
});

export interface SignInRequest {
  method: string;
  /** Without stage prefix and query string. */
  path: string;
  query: URLSearchParams;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | undefined>>;
  cookies: ReadonlyMap<string, string>;
}

export interface SignInResponse {
  status: number;
  headers: Record<string, string>;
  /** `Set-Cookie` values; API Gateway's payload 2.0 takes them as a list. */
  cookies: string[];
  body: string;
}

export class ApproverSignIn {
  private readonly origin: string;

  constructor(
    private readonly oidc: OidcClient,
    private readonly sealer: CookieSealer,
    private readonly deps: Pick<TaskDeps, 'now' | 'logger'>,
  ) {
    this.origin = new URL(oidc.provider.redirectUri).origin;
  }

  /** True for the routes this class answers itself. */
  handles(request: Pick<SignInRequest, 'method' | 'path'>): boolean {
    return request.method.toUpperCase() === 'GET' && [SIGN_IN_PATH, CALLBACK_PATH].includes(request.path);
  }

  /** Whether a visitor without a session is sent to the issuer rather than answered. */
  needsSignIn(request: Pick<SignInRequest, 'method' | 'path'>, identity: ApproverIdentity | null): boolean {
    const method = request.method.toUpperCase();
    return identity === null && (method === 'GET' || method === 'HEAD') && APPROVAL_PATH.test(request.path);
  }

  /** The approver the session cookie vouches for, or null. */
  identify(request: Pick<SignInRequest, 'method' | 'headers' | 'cookies'>): ApproverIdentity | null {
    const method = request.method.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD' && !this.fromOwnOrigin(request.headers)) return null;
    const parsed = Session.safeParse(this.sealer.open('session', request.cookies.get(SESSION_COOKIE)));
    if (!parsed.success) return null;
    const session: Session = parsed.data;
    if (session.iss !== this.oidc.provider.issuer) return null;
    if (session.exp * 1000 <= this.deps.now().getTime()) return null;
    return { name: session.name };
  }

  /** Answers `/auth/sign-in` and `/auth/callback`; errors become pages, never exceptions. */
  async handle(request: SignInRequest): Promise<SignInResponse> {
    try {
      if (request.path === CALLBACK_PATH) return await this.callback(request);
      const next = request.query.get('next') ?? '';
      if (!APPROVAL_PATH.test(next)) {
        throw new InvalidSignInError('sign-in needs the approval to return to (next=/approvals/…)');
      }
      return await this.redirectToIssuer(next);
    } catch (error) {
      if (!(error instanceof ApprovalPageError)) throw error;
      // The message names what was wrong (state, nonce, expiry), never a code or a token.
      this.deps.logger.warn('sign-in refused', { error: error.name, message: error.message });
      return this.errorPage(error);
    }
  }

  /** Sends the browser to the issuer; on return it lands on `returnTo`. */
  async redirectToIssuer(returnTo: string): Promise<SignInResponse> {
    const secrets = newSignInSecrets();
    const pending = {
      v: 1,
      ...secrets,
      returnTo,
      exp: Math.floor(this.deps.now().getTime() / 1000) + SIGN_IN_SECONDS,
    };
    return {
      status: 302,
      headers: { location: await this.oidc.authorizationUrl(secrets), 'cache-control': 'no-store' },
      cookies: [
        setCookie(SIGN_IN_COOKIE, this.sealer.seal('sign-in', pending), {
          maxAgeSeconds: SIGN_IN_SECONDS,
          sameSite: 'Lax',
        }),
      ],
      body: '',
    };
  }

  private async callback(request: SignInRequest): Promise<SignInResponse> {
    const issuerError = request.query.get('error');
    if (issuerError) {
      throw new InvalidSignInError(
        `the identity provider did not sign you in (${issuerError.slice(0, 100)})`,
      );
    }
    const pending = PendingSignIn.safeParse(this.sealer.open('sign-in', request.cookies.get(SIGN_IN_COOKIE)));
    if (!pending.success || pending.data.exp * 1000 <= this.deps.now().getTime()) {
      throw new InvalidSignInError('no sign-in is under way in this browser, or it took too long');
    }
    if (!sameSecret(pending.data.state, request.query.get('state'))) {
      throw new InvalidSignInError('the answer from the identity provider is not for this sign-in (state)');
    }
    const code = request.query.get('code');
    if (!code) throw new InvalidSignInError('the identity provider sent no code');

    const idToken = await this.oidc.redeemCode(code, pending.data.codeVerifier);
    const claims = await this.oidc.verifyIdToken(idToken, pending.data.nonce);
    const identity = approverFromClaims(claims);
    if (!identity) throw new IdTokenRejectedError('the ID token names no one Warden can record');
    this.deps.logger.info('approver signed in', { approver: identity.name });

    const session: Session = {
      v: 1,
      name: identity.name,
      iss: this.oidc.provider.issuer,
      exp: Math.floor(this.deps.now().getTime() / 1000) + SESSION_SECONDS,
    };
    return {
      status: 303,
      headers: { location: pending.data.returnTo, 'cache-control': 'no-store' },
      cookies: [
        setCookie(SESSION_COOKIE, this.sealer.seal('session', session), {
          maxAgeSeconds: SESSION_SECONDS,
          sameSite: 'Lax',
        }),
        clearCookie(SIGN_IN_COOKIE, 'Lax'),
      ],
      body: '',
    };
  }

  /**
   * Browsers send Sec-Fetch-Site and Origin with form posts; a post that says it came from
   * elsewhere (another site, or another API under the same site) does not act for the session.
   */
  private fromOwnOrigin(headers: SignInRequest['headers']): boolean {
    const site = headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return false;
    const origin = headers.origin;
    return origin === undefined || origin === this.origin;
  }

  private errorPage(error: ApprovalPageError): SignInResponse {
    const [title, hint] = explain(error);
    return {
      status: error.status,
      headers: securityHeaders(),
      cookies: error instanceof InvalidSignInError ? [clearCookie(SIGN_IN_COOKIE, 'Lax')] : [],
      body: renderDocument({
        title,
        main: `<div class="banner bad"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(error.message)}.</p><p>${escapeHtml(hint)}</p><p class="muted">Nothing was changed.</p></div>`,
      }),
    };
  }
}

/**
 * The approver as the ID token names them: the e-mail when the token carries one that is not
 * marked unverified (what people recognise in the audit trail), else the Cognito user name, else
 * the subject.
 */
export function approverFromClaims(claims: Record<string, unknown>): ApproverIdentity | null {
  const unverified = claims.email_verified === false || claims.email_verified === 'false';
  for (const key of [...(unverified ? [] : ['email']), 'cognito:username', 'sub']) {
    const value = claims[key];
    if (typeof value === 'string' && value.trim() !== '') return { name: value.trim() };
  }
  return null;
}

function explain(error: ApprovalPageError): [string, string] {
  if (error instanceof IdentityProviderError) {
    return [
      'Sign-in is unavailable',
      'Warden could not talk to the identity provider. Try again in a minute.',
    ];
  }
  if (error instanceof IdTokenRejectedError) {
    return ['Sign-in refused', 'Open the approval link from the notification again to sign in afresh.'];
  }
  return [
    'Sign-in did not complete',
    'Open the approval link from the notification again to sign in afresh.',
  ];
}
