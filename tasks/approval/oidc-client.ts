import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { JwtVerifier } from 'aws-jwt-verify';
import { JwtBaseError } from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { z } from 'zod';
import {
  IdentityProviderError,
  IdTokenRejectedError,
  InvalidSignInError,
  SignInConfigurationError,
} from './errors';

/**
 * The approval function's side of OpenID Connect's authorization-code flow with PKCE (RFC 7636):
 * where to send the browser, how to redeem the code it brings back, and whether the ID token is
 * genuine. Signature checking, `iss`, `aud`, `exp` and `nbf` are aws-jwt-verify's, with the
 * issuer's JWKS; the nonce and `azp` are checked here. All HTTP goes through one `fetch`, so the
 * tests can run a fake issuer on 127.0.0.1.
 */
export interface OidcProvider {
  /** The `iss` of the ID tokens, e.g. `https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc`. */
  issuer: string;
  /** The OAuth client (a public client: PKCE stands in for a client secret). */
  clientId: string;
  /** Where the issuer sends the browser back: `<api>/auth/callback`. */
  redirectUri: string;
  /** @default - openid email profile */
  scopes?: readonly string[];
  /** Known endpoints (Cognito's hosted domain). @default - read from the issuer's discovery document */
  endpoints?: OidcEndpoints;
}

export interface OidcEndpoints {
  authorization: string;
  token: string;
  jwks: string;
}

export type HttpFetch = (url: string, init?: RequestInit) => Promise<Response>;

/** The claims Warden reads from an ID token. */
export type IdTokenClaims = Record<string, unknown> & { sub: string };

/** What one sign-in needs to remember between leaving for the issuer and coming back. */
export interface SignInSecrets {
  state: string;
  nonce: string;
  codeVerifier: string;
}

const DiscoveryDocument = z.object({
  issuer: z.string(),
  authorization_endpoint: z.string().url(),
  token_endpoint: z.string().url(),
  jwks_uri: z.string().url(),
});

const TokenResponse = z.object({ id_token: z.string().min(1) });
const TokenError = z.object({ error: z.string(), error_description: z.string().optional() });

/** Answers from a token endpoint that mean the code, not the issuer, is at fault (RFC 6749 §5.2). */
const CLIENT_SIDE_TOKEN_ERRORS = new Set(['invalid_grant', 'invalid_request']);

const TIMEOUT_MS = 5_000;

export function newSignInSecrets(): SignInSecrets {
  const random = () => randomBytes(32).toString('base64url');
  return { state: random(), nonce: random(), codeVerifier: random() };
}

/** S256: the issuer stores this and, at the token endpoint, hashes the verifier to compare. */
export function codeChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier).digest('base64url');
}

export function sameSecret(a: string, b: unknown): boolean {
  if (typeof b !== 'string') return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export class OidcClient {
  private discovered?: Promise<OidcEndpoints>;
  private verifier?: { verify(jwt: string): Promise<unknown> };
  private readonly fetch: HttpFetch;

  constructor(
    readonly provider: OidcProvider,
    options: { fetch?: HttpFetch } = {},
  ) {
    this.fetch = options.fetch ?? ((url, init) => fetch(url, init));
    if (provider.endpoints) this.checkEndpoints(provider.endpoints);
  }

  /** The issuer's authorize URL for one sign-in. */
  async authorizationUrl(secrets: SignInSecrets): Promise<string> {
    const { authorization } = await this.endpoints();
    const url = new URL(authorization);
    const params = {
      response_type: 'code',
      client_id: this.provider.clientId,
      redirect_uri: this.provider.redirectUri,
      scope: (this.provider.scopes ?? ['openid', 'email', 'profile']).join(' '),
      state: secrets.state,
      nonce: secrets.nonce,
      code_challenge: codeChallenge(secrets.codeVerifier),
      code_challenge_method: 'S256',
    };
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url.toString();
  }

  /** Redeems the code at the token endpoint; the ID token, unverified. */
  async redeemCode(code: string, codeVerifier: string): Promise<string> {
    const { token } = await this.endpoints();
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.provider.redirectUri,
      client_id: this.provider.clientId,
      code_verifier: codeVerifier,
    });
    const response = await this.call(token, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: body.toString(),
    });
    const json: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      const refused = TokenError.safeParse(json);
      if (refused.success && CLIENT_SIDE_TOKEN_ERRORS.has(refused.data.error)) {
        throw new InvalidSignInError(
          `the issuer refused the sign-in code (${refused.data.error}); it may have been used already`,
        );
      }
      throw new IdentityProviderError(
        `the token endpoint answered ${response.status}${refused.success ? ` (${refused.data.error})` : ''}`,
      );
    }
    const parsed = TokenResponse.safeParse(json);
    if (!parsed.success) throw new IdentityProviderError('the token endpoint answered without an id_token');
    return parsed.data.id_token;
  }

  /**
   * The claims of an ID token issued by our issuer to our client for this sign-in: signed with a
   * key from the issuer's JWKS, unexpired, and carrying the nonce this sign-in sent.
   */
  async verifyIdToken(idToken: string, nonce: string): Promise<IdTokenClaims> {
    let payload: Record<string, unknown>;
    try {
      payload = (await (await this.idTokenVerifier()).verify(idToken)) as Record<string, unknown>;
    } catch (error) {
      if (error instanceof IdentityProviderError) throw error;
      if (error instanceof JwtBaseError) {
        throw new IdTokenRejectedError(`the ID token was refused: ${error.name}: ${error.message}`, {
          cause: error,
        });
      }
      throw new IdentityProviderError(`the ID token could not be checked: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (!sameSecret(nonce, payload.nonce)) {
      throw new IdTokenRejectedError('the ID token was not issued for this sign-in (nonce mismatch)');
    }
    // OpenID Connect Core §3.1.3.7: a token for several audiences must say which party it is for.
    if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== this.provider.clientId) {
      throw new IdTokenRejectedError('the ID token names several audiences but not us as authorized party');
    }
    // Cognito also signs access tokens with the same keys; only an ID token says who signed in.
    if ('token_use' in payload && payload.token_use !== 'id') {
      throw new IdTokenRejectedError(`expected an ID token, got token_use ${String(payload.token_use)}`);
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') {
      throw new IdTokenRejectedError('the ID token has no subject');
    }
    return payload as IdTokenClaims;
  }

  private endpoints(): Promise<OidcEndpoints> {
    if (this.provider.endpoints) return Promise.resolve(this.provider.endpoints);
    this.discovered ??= this.discover().catch((error: unknown) => {
      // The next sign-in tries again rather than failing until the function is recycled.
      this.discovered = undefined;
      throw error;
    });
    return this.discovered;
  }

  private async discover(): Promise<OidcEndpoints> {
    const url = `${this.provider.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const response = await this.call(url, { headers: { accept: 'application/json' } });
    if (!response.ok) throw new IdentityProviderError(`${url} answered ${response.status}`);
    const parsed = DiscoveryDocument.safeParse(await response.json().catch(() => null));
    if (!parsed.success)
      throw new IdentityProviderError(`${url} is not an OpenID Connect discovery document`);
    // OpenID Connect Discovery §4.3: the document must name exactly the issuer it was fetched for.
    if (parsed.data.issuer !== this.provider.issuer) {
      throw new SignInConfigurationError(
        `${url} names issuer ${parsed.data.issuer}, but Warden is configured for ${this.provider.issuer}`,
      );
    }
    const endpoints = {
      authorization: parsed.data.authorization_endpoint,
      token: parsed.data.token_endpoint,
      jwks: parsed.data.jwks_uri,
    };
    this.checkEndpoints(endpoints);
    return endpoints;
  }

  /**
   * Codes, tokens and keys travel only over TLS. The one exception is an issuer that is itself
   * plain HTTP on the loopback interface: the tests' fake issuer (the config refuses such issuers).
   */
  private checkEndpoints(endpoints: OidcEndpoints): void {
    const loopbackIssuer = isLoopbackHttp(this.provider.issuer);
    for (const [name, value] of Object.entries(endpoints)) {
      const url = new URL(value);
      if (url.protocol !== 'https:' && !(loopbackIssuer && isLoopbackHttp(value))) {
        throw new SignInConfigurationError(`the ${name} endpoint must use https, got ${value}`);
      }
    }
  }

  private async idTokenVerifier(): Promise<{ verify(jwt: string): Promise<unknown> }> {
    if (!this.verifier) {
      const { jwks } = await this.endpoints();
      // aws-jwt-verify's own fetcher speaks only https; ours goes through `this.fetch`.
      const fetcher: Fetcher = {
        fetch: async (uri) => {
          const response = await this.call(uri, { headers: { accept: 'application/json' } });
          if (!response.ok) throw new IdentityProviderError(`${uri} answered ${response.status}`);
          return response.arrayBuffer();
        },
      };
      this.verifier = JwtVerifier.create(
        { issuer: this.provider.issuer, audience: this.provider.clientId, jwksUri: jwks },
        { jwksCache: new SimpleJwksCache({ fetcher }) },
      );
    }
    return this.verifier;
  }

  private async call(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      throw new IdentityProviderError(`could not reach ${url}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

function isLoopbackHttp(value: string): boolean {
  const url = new URL(value);
  return url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}
