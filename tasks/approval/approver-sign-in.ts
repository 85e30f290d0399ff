import { createHash } from 'node:crypto';
import * as z from 'zod';
import { escapeHtml } from '../shared/escape-html';
import type { TaskDeps } from '../shared/task';
import { ApprovalPageError, IdentityProviderError, IdTokenRejectedError, InvalidSignInError } from './errors';
import { renderDocument, securityHeaders } from './html';
import { type Grant, newSignInSecrets, type OidcClient, sameSecret } from './oidc-client';
import type { ApproverIdentity } from './page';
import { postFromOwnOrigin } from './same-origin';
import { type CookieSealing, clearCookie, setCookie } from './sealed-cookies';
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
 *   POST /auth/sign-out                    → the session cookie cleared → 303 /auth/signed-out,
 *                                            which links to the issuer's own sign-out if it has one
 *
 * Each sign-in under way has its own cookie, named after a hash of its state, so two approval
 * links opened before signing in do not overwrite each other's secrets; the callback opens only
 * the cookie its state names, and an answer for no sign-in of this browser changes nothing.
 *
 * The session keeps the issuer's refresh token (or, without one, its access token). Before a
 * decision is recorded the function asks the issuer again (a refresh, then UserInfo for the same
 * subject), so a person disabled at the issuer, or signed out there, decides nothing more.
 *
 * Both cookies are SameSite=Lax, deliberately: the e-mail link and the issuer's redirect back are
 * cross-site top-level navigations, on which browsers do not send Strict cookies; a Strict session
 * would send every approver round the issuer on every click, and a Strict sign-in cookie would be
 * missing at the callback. Lax is sent only on GETs, which change nothing here. For decisions the
 * function adds Strict's meaning itself: a POST counts as signed in only when the browser says it
 * came from this origin (Sec-Fetch-Site, Origin); the per-approval CSRF token sits on top.
 */
export const SESSION_COOKIE = '__Host-warden-session';
/** A sign-in under way: `__Host-warden-sign-in-<hash of its state>`. */
export const SIGN_IN_COOKIE = '__Host-warden-sign-in';
export const SIGN_IN_PATH = '/auth/sign-in';
export const CALLBACK_PATH = '/auth/callback';
export const SIGN_OUT_PATH = '/auth/sign-out';
export const SIGNED_OUT_PATH = '/auth/signed-out';
/** A working day: long enough for an on-call shift's approvals, short enough for a lost laptop. */
export const SESSION_SECONDS = 8 * 3600;
/** Time to type a password and answer MFA; the state, nonce and verifier are worthless after. */
export const SIGN_IN_SECONDS = 10 * 60;

const APPROVAL_PATH = new RegExp(`^/approvals/${APPROVAL_ID_PATTERN.source.slice(1, -1)}$`);

const Session = z.object({
  v: z.literal(2),
  name: z.string().min(1),
  sub: z.string().min(1),
  iss: z.string(),
  exp: z.number(),
  rt: z.string().optional(),
  at: z.string().optional(),
  atExp: z.number().optional(),
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

/** Who a request acts for, and the cookies to send back with the answer (a renewed or ended session). */
export interface Identified {
  identity: ApproverIdentity | null;
  cookies: string[];
}

/** The cookie of the sign-in whose state this is. */
export function signInCookieName(state: string): string {
  return `${SIGN_IN_COOKIE}-${createHash('sha256').update(state).digest('base64url').slice(0, 16)}`;
}

export class ApproverSignIn {
  private readonly origin: string;

  constructor(
    private readonly oidc: OidcClient,
    private readonly sealer: CookieSealing,
    private readonly deps: Pick<TaskDeps, 'now' | 'logger'>,
  ) {
    this.origin = new URL(oidc.provider.redirectUri).origin;
  }

  /** True for the routes this class answers itself. */
  handles(request: Pick<SignInRequest, 'method' | 'path'>): boolean {
    const method = request.method.toUpperCase();
    return (
      (method === 'GET' && [SIGN_IN_PATH, CALLBACK_PATH, SIGNED_OUT_PATH].includes(request.path)) ||
      (method === 'POST' && request.path === SIGN_OUT_PATH)
    );
  }

  /** Whether a visitor without a session is sent to the issuer rather than answered. */
  needsSignIn(request: Pick<SignInRequest, 'method' | 'path'>, identity: ApproverIdentity | null): boolean {
    const method = request.method.toUpperCase();
    return identity === null && (method === 'GET' || method === 'HEAD') && APPROVAL_PATH.test(request.path);
  }

  /**
   * The approver the session cookie vouches for, or null. A POST acts for the session only when it
   * came from our own pages, and only after the issuer confirms the person may still sign in.
   * @throws IdentityProviderError when the issuer cannot be asked
   */
  async identify(request: Pick<SignInRequest, 'method' | 'headers' | 'cookies'>): Promise<Identified> {
    const method = request.method.toUpperCase();
    const reading = method === 'GET' || method === 'HEAD';
    if (!reading && !postFromOwnOrigin(request.headers, [this.origin]))
      return { identity: null, cookies: [] };
    const session = await this.session(request.cookies);
    if (!session) return { identity: null, cookies: [] };
    if (reading) return { identity: { name: session.name }, cookies: [] };

    const grant = await this.oidc.confirmStillSignedIn({
      sub: session.sub,
      ...(session.rt ? { refreshToken: session.rt } : {}),
      ...(session.at ? { accessToken: session.at } : {}),
      ...(session.atExp !== undefined ? { accessTokenExpiresAt: session.atExp } : {}),
    });
    if (!grant) {
      this.deps.logger.info('the identity provider ended a session', { approver: session.name });
      return { identity: null, cookies: [clearCookie(SESSION_COOKIE, 'Lax')] };
    }
    const renewed = grant.refreshToken !== session.rt;
    return {
      identity: { name: session.name },
      cookies: renewed ? [this.sessionCookie({ ...session, ...tokensOf(grant) })] : [],
    };
  }

  /** Answers the `/auth/…` routes; errors become pages, never exceptions. */
  async handle(request: SignInRequest): Promise<SignInResponse> {
    try {
      if (request.path === CALLBACK_PATH) return await this.callback(request);
      if (request.path === SIGN_OUT_PATH) return this.signOut(request);
      if (request.path === SIGNED_OUT_PATH) return await this.signedOut();
      const next = request.query.get('next') ?? '';
      if (!APPROVAL_PATH.test(next)) {
        throw new InvalidSignInError('sign-in needs the approval to return to (next=/approvals/…)');
      }
      return await this.redirectToIssuer(next);
    } catch (error) {
      return this.pageFor(error);
    }
  }

  /**
   * Sends the browser to the issuer; on return it lands on `returnTo`.
   * @throws IdentityProviderError when the issuer's discovery document cannot be read
   */
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
        setCookie(signInCookieName(secrets.state), this.sealer.seal('sign-in', pending), {
          maxAgeSeconds: SIGN_IN_SECONDS,
          sameSite: 'Lax',
        }),
      ],
      body: '',
    };
  }

  /** An error as the page a person sees; anything but the page's own errors is rethrown. */
  pageFor(error: unknown, clearing: string[] = []): SignInResponse {
    if (!(error instanceof ApprovalPageError)) throw error;
    // The message names what was wrong (state, nonce, expiry), never a code or a token.
    this.deps.logger.warn('sign-in refused', { error: error.name, message: error.message });
    const [title, hint] = explain(error);
    return {
      status: error.status,
      headers: securityHeaders(),
      cookies: clearing,
      body: renderDocument({
        title,
        main: `<div class="banner bad"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(error.message)}.</p><p>${escapeHtml(hint)}</p><p class="muted">Nothing was changed.</p></div>`,
      }),
    };
  }

  private async session(cookies: ReadonlyMap<string, string>): Promise<Session | null> {
    const parsed = Session.safeParse(await this.sealer.open('session', cookies.get(SESSION_COOKIE)));
    if (!parsed.success) return null;
    if (parsed.data.iss !== this.oidc.provider.issuer) return null;
    if (parsed.data.exp * 1000 <= this.deps.now().getTime()) return null;
    return parsed.data;
  }

  private async callback(request: SignInRequest): Promise<SignInResponse> {
    // The state first: an answer that is not for a sign-in of this browser shows nothing of what
    // it says (error texts in a link are anyone's) and leaves any sign-in under way alone.
    const state = request.query.get('state') ?? '';
    const cookieName = signInCookieName(state);
    const pending = PendingSignIn.safeParse(
      await this.sealer.open('sign-in', request.cookies.get(cookieName)),
    );
    if (state === '' || !pending.success || !sameSecret(pending.data.state, state)) {
      throw new InvalidSignInError(
        'the answer from the identity provider is not for this sign-in (no sign-in under way in this browser has its state)',
      );
    }
    const clear = [clearCookie(cookieName, 'Lax')];
    try {
      if (pending.data.exp * 1000 <= this.deps.now().getTime()) {
        throw new InvalidSignInError('the sign-in took too long');
      }
      const signedIn = await this.oidc.completeSignIn(request.query, pending.data);
      this.deps.logger.info('approver signed in', { approver: signedIn.name });
      const session: Session = {
        v: 2,
        name: signedIn.name,
        sub: signedIn.sub,
        iss: this.oidc.provider.issuer,
        exp: Math.floor(this.deps.now().getTime() / 1000) + SESSION_SECONDS,
        ...tokensOf(signedIn),
      };
      return {
        status: 303,
        headers: { location: pending.data.returnTo, 'cache-control': 'no-store' },
        cookies: [this.sessionCookie(session), ...clear],
        body: '',
      };
    } catch (error) {
      return this.pageFor(error, clear);
    }
  }

  private signOut(request: SignInRequest): SignInResponse {
    if (!postFromOwnOrigin(request.headers, [this.origin])) {
      throw new InvalidSignInError('a sign-out cannot be posted from another site');
    }
    return {
      status: 303,
      headers: { location: SIGNED_OUT_PATH, 'cache-control': 'no-store' },
      cookies: [clearCookie(SESSION_COOKIE, 'Lax')],
      body: '',
    };
  }

  private async signedOut(): Promise<SignInResponse> {
    let atIssuer = '';
    try {
      const url = await this.oidc.endSessionUrl(`${this.origin}${SIGNED_OUT_PATH}`);
      if (url) {
        atIssuer = `<p><a href="${escapeHtml(url)}" id="issuer-sign-out">Also sign out at your identity provider</a>, so the next approval link asks for your password again.</p>`;
      }
    } catch {
      // The issuer being away does not undo signing out of Warden.
    }
    return {
      status: 200,
      headers: securityHeaders(),
      cookies: [],
      body: renderDocument({
        title: 'Signed out',
        main: `<div class="banner info"><h1>You are signed out of Warden</h1><p>This browser can no longer approve or reject. Open an approval link to sign in again.</p>${atIssuer}</div>`,
      }),
    };
  }

  private sessionCookie(session: Session): string {
    return setCookie(SESSION_COOKIE, this.sealer.seal('session', session), {
      maxAgeSeconds: Math.max(0, session.exp - Math.floor(this.deps.now().getTime() / 1000)),
      sameSite: 'Lax',
    });
  }
}

/**
 * What the session keeps to ask the issuer again: the refresh token when there is one (cookies
 * hold 4 KB; both tokens of some issuers do not fit), else the access token and its expiry.
 */
function tokensOf(grant: Omit<Grant, 'sub'>): Pick<Session, 'rt' | 'at' | 'atExp'> {
  if (grant.refreshToken) return { rt: grant.refreshToken };
  return {
    ...(grant.accessToken ? { at: grant.accessToken } : {}),
    ...(grant.accessTokenExpiresAt !== undefined ? { atExp: grant.accessTokenExpiresAt } : {}),
  };
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
