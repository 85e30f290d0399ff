import { createPrivateKey, type KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';
import * as oidc from 'openid-client';
import {
  IdentityProviderError,
  IdTokenRejectedError,
  InvalidSignInError,
  SignInConfigurationError,
} from './errors';

/**
 * The approval function's side of OpenID Connect's authorization-code flow with PKCE (RFC 7636),
 * on openid-client (built on oauth4webapi): the authorize URL, the code redemption with the
 * client's authentication, the ID token's checks (signature against the issuer's JWKS, `iss`,
 * `aud`, `azp` for several audiences, `exp` and `iat` present, `nonce`), UserInfo with its `sub`
 * check. Warden adds what the library leaves to the relying party: an `iat` in the future, an `azp`
 * naming another client, and which claim names the approver. All HTTP goes through one `fetch`,
 * so the tests can run issuers on 127.0.0.1.
 */
export interface OidcProvider {
  /** The `iss` of the ID tokens, e.g. `https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc`. */
  issuer: string;
  clientId: string;
  /** Where the issuer sends the browser back: `<api>/auth/callback`. */
  redirectUri: string;
  /** @default - openid email profile */
  scopes?: readonly string[];
  /** Known endpoints (Cognito's hosted domain). @default - read from the issuer's discovery document */
  endpoints?: OidcEndpoints;
  /** How the function authenticates at the token endpoint. @default - a public client (PKCE only) */
  clientAuthentication?: ClientAuthentication;
  /**
   * The claim recorded as the approver: `email` (only when `email_verified` is true),
   * `preferred_username`, `cognito:username`, … Read from UserInfo when the ID token lacks it.
   * @default email
   */
  identityClaim?: string;
}

export interface OidcEndpoints {
  authorization: string;
  token: string;
  jwks: string;
  userinfo?: string;
  endSession?: string;
}

/**
 * A public client proves nothing but PKCE; a confidential one (an Entra ID web app, a Cognito
 * client with a secret) also authenticates: with a secret in HTTP Basic (RFC 6749 §2.3.1), or a
 * JWT signed with its private key (OpenID Connect Core §9, `private_key_jwt`).
 */
export type ClientAuthentication =
  | { method: 'none' }
  | { method: 'client_secret_basic'; clientSecret: string }
  | { method: 'private_key_jwt'; privateKeyPem: string; keyId?: string };

export type HttpFetch = (url: string, init?: RequestInit) => Promise<Response>;

/** The claims Warden reads from an ID token. */
export type IdTokenClaims = Record<string, unknown> & { sub: string };

/** What one sign-in needs to remember between leaving for the issuer and coming back. */
export interface SignInSecrets {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Who signed in, and what lets the function ask the issuer later whether they still may. */
export interface SignedIn {
  name: string;
  sub: string;
  refreshToken?: string;
  accessToken?: string;
  /** Seconds since the epoch. */
  accessTokenExpiresAt?: number;
}

/** What a session keeps to ask the issuer again. */
export type Grant = Pick<SignedIn, 'sub' | 'refreshToken' | 'accessToken' | 'accessTokenExpiresAt'>;

export const DEFAULT_IDENTITY_CLAIM = 'email';
/** Claims that name a person only when the issuer says it verified them (OIDC Core §5.1). */
const VERIFIED_BY: Readonly<Record<string, string>> = {
  email: 'email_verified',
  phone_number: 'phone_number_verified',
};
/** How far ahead of our clock an `iat` may be before the token counts as minted for later. */
const IAT_LEEWAY_SECONDS = 300;
const TIMEOUT_SECONDS = 5;
/** Answers of a token endpoint that mean the code or grant, not the issuer, is at fault (RFC 6749 §5.2). */
const CLIENT_SIDE_TOKEN_ERRORS = new Set(['invalid_grant', 'invalid_request']);
/** RFC 6749 §4.1.2.1: an error code is printable ASCII without `"` and `\`. */
const ERROR_CODE = /^[\x20\x21\x23-\x5B\x5D-\x7E]{1,64}$/;

export function newSignInSecrets(): SignInSecrets {
  const random = () => randomBytes(32).toString('base64url');
  return { state: random(), nonce: random(), codeVerifier: random() };
}

export function sameSecret(a: string, b: unknown): boolean {
  if (typeof b !== 'string') return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The approver as the claims name them: the configured claim, when it is a non-empty string and,
 * for `email` and `phone_number`, marked verified. A missing `email_verified` is not verified.
 */
export function approverFromClaims(
  claims: Record<string, unknown>,
  identityClaim: string = DEFAULT_IDENTITY_CLAIM,
): { name: string } | null {
  const value = claims[identityClaim];
  if (typeof value !== 'string' || value.trim() === '') return null;
  const flag = VERIFIED_BY[identityClaim];
  if (flag !== undefined && claims[flag] !== true && claims[flag] !== 'true') return null;
  return { name: value.trim() };
}

export class OidcClient {
  private configured?: Promise<{ server: oidc.ServerMetadata; auth: oidc.ClientAuth }>;
  private readonly fetch: HttpFetch;
  private readonly identityClaim: string;

  private readonly now: () => number;

  constructor(
    readonly provider: OidcProvider,
    options: { fetch?: HttpFetch; now?: () => number } = {},
  ) {
    this.fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.now = options.now ?? Date.now;
    this.identityClaim = provider.identityClaim ?? DEFAULT_IDENTITY_CLAIM;
    if (provider.endpoints) this.checkEndpoints(provider.endpoints);
    checkClientAuthentication(provider.clientAuthentication);
  }

  /** The issuer's authorize URL for one sign-in. */
  async authorizationUrl(secrets: SignInSecrets): Promise<string> {
    const config = await this.configuration();
    return oidc
      .buildAuthorizationUrl(config, {
        redirect_uri: this.provider.redirectUri,
        scope: (this.provider.scopes ?? ['openid', 'email', 'profile']).join(' '),
        state: secrets.state,
        nonce: secrets.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(secrets.codeVerifier),
        code_challenge_method: 'S256',
      })
      .toString();
  }

  /**
   * Completes a sign-in from the callback's query: the issuer's answer checked against this
   * sign-in's state, the code redeemed with the PKCE verifier, the ID token checked, the approver
   * named by a verified claim (from UserInfo when the ID token lacks it).
   */
  async completeSignIn(query: URLSearchParams, secrets: SignInSecrets): Promise<SignedIn> {
    const config = await this.configuration();
    const current = new URL(this.provider.redirectUri);
    for (const [name, value] of query) current.searchParams.append(name, value);
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(
        config,
        current,
        {
          pkceCodeVerifier: secrets.codeVerifier,
          expectedNonce: secrets.nonce,
          expectedState: secrets.state,
          idTokenExpected: true,
        },
        { redirect_uri: this.provider.redirectUri },
      );
    } catch (error) {
      throw this.translate(error, 'sign-in');
    }
    const claims = tokens.claims() as IdTokenClaims | undefined;
    if (!claims) throw new IdTokenRejectedError('the token endpoint answered without an ID token');
    this.checkIdToken(claims);
    const name = await this.approverName(config, claims, tokens.access_token);
    return {
      name,
      sub: claims.sub,
      ...this.grantOf(tokens),
    };
  }

  /**
   * Asks the issuer whether the person may still act: a refresh (which an issuer refuses for a
   * disabled or signed-out user), then UserInfo for the same subject. The new grant to keep, or
   * null when the issuer says no. Without a refresh token, UserInfo with the access token while it
   * lasts; with neither, there is nothing to ask and the session stands.
   */
  async confirmStillSignedIn(grant: Grant): Promise<Grant | null> {
    const config = await this.configuration();
    try {
      let current: Grant = grant;
      if (grant.refreshToken) {
        const tokens = await oidc.refreshTokenGrant(config, grant.refreshToken);
        const claims = tokens.claims();
        if (claims && claims.sub !== grant.sub) return null;
        current = { sub: grant.sub, refreshToken: grant.refreshToken, ...this.grantOf(tokens) };
      } else if (
        grant.accessTokenExpiresAt !== undefined &&
        grant.accessTokenExpiresAt * 1000 <= this.now()
      ) {
        return null;
      }
      if (current.accessToken && config.serverMetadata().userinfo_endpoint) {
        await oidc.fetchUserInfo(config, current.accessToken, grant.sub);
      }
      return grant.refreshToken ? { sub: grant.sub, refreshToken: current.refreshToken } : grant;
    } catch (error) {
      if (error instanceof oidc.ResponseBodyError && CLIENT_SIDE_TOKEN_ERRORS.has(error.error)) return null;
      if (error instanceof oidc.WWWAuthenticateChallengeError) return null;
      if (error instanceof oidc.ClientError && error.code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') {
        return null;
      }
      throw this.translate(error, 'check');
    }
  }

  /** The issuer's RP-initiated logout page (OpenID Connect RP-Initiated Logout 1.0), if it has one. */
  async endSessionUrl(postSignOutUri: string): Promise<string | null> {
    const config = await this.configuration();
    if (!config.serverMetadata().end_session_endpoint) return null;
    return oidc
      .buildEndSessionUrl(config, {
        client_id: this.provider.clientId,
        post_logout_redirect_uri: postSignOutUri,
      })
      .toString();
  }

  /** What oauth4webapi leaves to the relying party (OIDC Core §3.1.3.7 items 5, 9, 10). */
  private checkIdToken(claims: IdTokenClaims): void {
    const now = Math.floor(this.now() / 1000);
    if (typeof claims.iat === 'number' && claims.iat > now + IAT_LEEWAY_SECONDS) {
      throw new IdTokenRejectedError(
        `the ID token was refused: it says it was issued at ${claims.iat}, after now (${now})`,
      );
    }
    if (claims.azp !== undefined && claims.azp !== this.provider.clientId) {
      throw new IdTokenRejectedError(
        `the ID token was refused: its authorized party (azp) is another client, ${String(claims.azp).slice(0, 100)}`,
      );
    }
    // Cognito also signs access tokens with the same keys; only an ID token says who signed in.
    if ('token_use' in claims && claims.token_use !== 'id') {
      throw new IdTokenRejectedError(`expected an ID token, got token_use ${String(claims.token_use)}`);
    }
    if (claims.sub === '') throw new IdTokenRejectedError('the ID token has no subject');
  }

  private async approverName(
    config: oidc.Configuration,
    claims: IdTokenClaims,
    accessToken: string,
  ): Promise<string> {
    const fromToken = approverFromClaims(claims, this.identityClaim);
    if (fromToken) return fromToken.name;
    // OIDC Core §5.4: with an access token, the profile and email claims come from UserInfo.
    if (config.serverMetadata().userinfo_endpoint) {
      let info: oidc.UserInfoResponse;
      try {
        info = await oidc.fetchUserInfo(config, accessToken, claims.sub);
      } catch (error) {
        throw this.translate(error, 'sign-in');
      }
      const fromInfo = approverFromClaims(info, this.identityClaim);
      if (fromInfo) return fromInfo.name;
    }
    throw new IdTokenRejectedError(
      `the identity provider gives no verified ${this.identityClaim} for this person, which Warden records as the approver`,
    );
  }

  private grantOf(tokens: oidc.TokenEndpointResponse): Omit<Grant, 'sub'> {
    if (tokens.refresh_token) return { refreshToken: tokens.refresh_token, accessToken: tokens.access_token };
    return {
      accessToken: tokens.access_token,
      ...(typeof tokens.expires_in === 'number'
        ? { accessTokenExpiresAt: Math.floor(this.now() / 1000) + tokens.expires_in }
        : {}),
    };
  }

  /**
   * A configuration for one operation. The issuer's metadata and the client's authentication are
   * read once; the JWKS is not kept between operations: oauth4webapi fetches it again for an
   * unknown key id only once its copy is a minute old, so an issuer that rotates its key and signs
   * with the new one at once would fail every sign-in of that minute (and a code cannot be
   * redeemed twice). Sign-ins and decisions are rare; one JWKS read each is cheap.
   */
  private async configuration(): Promise<oidc.Configuration> {
    this.configured ??= this.configure().catch((error: unknown) => {
      // The next sign-in tries again rather than failing until the function is recycled.
      this.configured = undefined;
      throw error;
    });
    const { server, auth } = await this.configured;
    const config = new oidc.Configuration(server, this.provider.clientId, this.clientMetadata(), auth);
    if (isLoopbackHttp(this.provider.issuer)) oidc.allowInsecureRequests(config);
    config[oidc.customFetch] = this.customFetch();
    config.timeout = TIMEOUT_SECONDS;
    // The ID token's signature, against the issuer's JWKS.
    oidc.enableNonRepudiationChecks(config);
    return config;
  }

  private clientMetadata(): Partial<oidc.ClientMetadata> {
    return { redirect_uris: [this.provider.redirectUri], response_types: ['code'] };
  }

  private async configure(): Promise<{ server: oidc.ServerMetadata; auth: oidc.ClientAuth }> {
    const { issuer, clientId, endpoints } = this.provider;
    const auth = await clientAuthOf(this.provider.clientAuthentication);
    if (endpoints) {
      return {
        auth,
        server: {
          issuer,
          authorization_endpoint: endpoints.authorization,
          token_endpoint: endpoints.token,
          jwks_uri: endpoints.jwks,
          ...(endpoints.userinfo ? { userinfo_endpoint: endpoints.userinfo } : {}),
          ...(endpoints.endSession ? { end_session_endpoint: endpoints.endSession } : {}),
        },
      };
    }
    let discovered: oidc.Configuration;
    try {
      discovered = await oidc.discovery(new URL(issuer), clientId, this.clientMetadata(), auth, {
        execute: isLoopbackHttp(issuer) ? [oidc.allowInsecureRequests] : [],
        [oidc.customFetch]: this.customFetch(),
        timeout: TIMEOUT_SECONDS,
      });
    } catch (error) {
      // OpenID Connect Discovery §4.3: the document must name exactly the issuer it was fetched for.
      if (error instanceof oidc.ClientError && error.code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') {
        throw new SignInConfigurationError(
          `${issuer}/.well-known/openid-configuration names another issuer than ${issuer}, for which Warden is configured`,
        );
      }
      throw this.translate(error, 'discovery');
    }
    const server = { ...discovered.serverMetadata() };
    this.checkEndpoints({
      authorization: server.authorization_endpoint ?? '',
      token: server.token_endpoint ?? '',
      jwks: server.jwks_uri ?? '',
      ...(server.userinfo_endpoint ? { userinfo: server.userinfo_endpoint } : {}),
    });
    return { server, auth };
  }

  private customFetch(): oidc.CustomFetch {
    return (url, options) =>
      this.fetch(url, { ...options, body: options.body as RequestInit['body'] }) as Promise<Response>;
  }

  /** The library's errors as the page's: the person's fault, the token's, or the issuer's. */
  private translate(error: unknown, during: 'sign-in' | 'check' | 'discovery'): Error {
    if (error instanceof oidc.AuthorizationResponseError) {
      const code = ERROR_CODE.test(error.error) ? error.error : 'an error';
      return new InvalidSignInError(`the identity provider did not sign you in (${code})`);
    }
    if (error instanceof oidc.ResponseBodyError) {
      const code = ERROR_CODE.test(error.error) ? error.error : 'an error';
      if (during === 'sign-in' && CLIENT_SIDE_TOKEN_ERRORS.has(error.error)) {
        return new InvalidSignInError(
          `the issuer refused the sign-in code (${code}); it may have been used already`,
        );
      }
      return new IdentityProviderError(`the identity provider answered ${error.status} (${code})`);
    }
    if (error instanceof oidc.ClientError) {
      const detail = (error.cause as Error | undefined)?.message ?? error.message;
      if (
        during === 'sign-in' &&
        [
          'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
          'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
          'OAUTH_INVALID_RESPONSE',
          'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
        ].includes(error.code ?? '')
      ) {
        return new IdTokenRejectedError(`the ID token was refused: ${detail}`, { cause: error });
      }
      if (during === 'sign-in' && error.code === 'OAUTH_KEY_SELECTION_FAILED') {
        return new IdTokenRejectedError(
          `the ID token was refused: its signature is by no key the issuer publishes (${detail})`,
          { cause: error },
        );
      }
      return new IdentityProviderError(`the identity provider's answer was unusable: ${detail}`, {
        cause: error,
      });
    }
    if (error instanceof IdentityProviderError || error instanceof SignInConfigurationError) return error;
    return new IdentityProviderError(
      `could not reach the identity provider ${this.provider.issuer}: ${(error as Error).message}`,
      { cause: error },
    );
  }

  /**
   * Codes, tokens and keys travel only over TLS. The one exception is an issuer that is itself
   * plain HTTP on the loopback interface: the tests' issuers (the config refuses such issuers).
   */
  private checkEndpoints(endpoints: OidcEndpoints): void {
    const loopbackIssuer = isLoopbackHttp(this.provider.issuer);
    for (const [name, value] of Object.entries(endpoints)) {
      if (value === undefined) continue;
      const url = new URL(value);
      if (url.protocol !== 'https:' && !(loopbackIssuer && isLoopbackHttp(value))) {
        throw new SignInConfigurationError(`the ${name} endpoint must use https, got ${value}`);
      }
    }
  }
}

function checkClientAuthentication(auth: ClientAuthentication | undefined): void {
  if (auth?.method === 'client_secret_basic' && auth.clientSecret === '') {
    throw new SignInConfigurationError('the client secret is empty');
  }
  if (auth?.method === 'private_key_jwt') privateKeyOf(auth.privateKeyPem);
}

function privateKeyOf(pem: string): KeyObject {
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ec') {
      throw new Error(`${key.asymmetricKeyType} keys are not supported; use RSA or EC P-256`);
    }
    return key;
  } catch (error) {
    throw new SignInConfigurationError(
      `the private_key_jwt key is not a usable PEM private key: ${(error as Error).message}`,
    );
  }
}

async function clientAuthOf(auth: ClientAuthentication | undefined): Promise<oidc.ClientAuth> {
  if (!auth || auth.method === 'none') return oidc.None();
  if (auth.method === 'client_secret_basic') return oidc.ClientSecretBasic(auth.clientSecret);
  const key = privateKeyOf(auth.privateKeyPem);
  const der = key.export({ format: 'der', type: 'pkcs8' });
  // RS256 or ES256: what every issuer that takes private_key_jwt accepts.
  const cryptoKey = await crypto.subtle.importKey(
    'pkcs8',
    der,
    key.asymmetricKeyType === 'ec'
      ? { name: 'ECDSA', namedCurve: 'P-256' }
      : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return oidc.PrivateKeyJwt({ key: cryptoKey, ...(auth.keyId ? { kid: auth.keyId } : {}) });
}

function isLoopbackHttp(value: string): boolean {
  const url = new URL(value);
  return url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}
