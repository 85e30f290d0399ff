import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An OpenID Connect issuer on 127.0.0.1 for the sign-in tests: a discovery document, a JWKS with
 * one generated RSA key, an authorize endpoint that signs in whoever the test says and redirects
 * back with a code, and a token endpoint that checks PKCE and mints an RS256 ID token. The test
 * can spoil the next ID token (another audience, issuer, nonce, key, an expiry in the past) to see
 * the approval function refuse it.
 */
export interface IdTokenTampering {
  aud?: string | string[];
  iss?: string;
  nonce?: string;
  /** Seconds from now; negative for a token that has expired. @default 3600 */
  expiresIn?: number;
  /** Sign with a key the JWKS does not hold. */
  foreignKey?: boolean;
  /** Replaces the claims of the signed-in person. */
  claims?: Record<string, unknown>;
  /** Leaves these registered claims out of the ID token. */
  omit?: ('exp' | 'iat')[];
  /** Seconds added to `iat` (ten years ahead: a token minted for later). */
  iatOffset?: number;
  /** The authorized party the token names. */
  azp?: string;
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  nonce: string;
  codeChallenge: string;
  claims: Record<string, unknown>;
}

export interface FakeIssuer {
  /** `http://127.0.0.1:<port>`: the `iss` of its tokens. */
  url: string;
  clientId: string;
  /** Who the authorize endpoint signs in next. */
  signInAs(claims: Record<string, unknown>): void;
  /** Spoils the next ID token the token endpoint mints. */
  tamperNextToken(tampering: IdTokenTampering): void;
  /** Every token request's form, as the issuer received it. */
  tokenRequests: URLSearchParams[];
  /** Claims the UserInfo endpoint answers with, instead of the signed-in person's. */
  userInfoAs(claims: Record<string, unknown> | null): void;
  /** Refuses the refresh tokens and access tokens of everyone signed in so far (a user disabled). */
  disableEveryone(): void;
  /** Every request the issuer received, as `METHOD /path`. */
  requests: string[];
  close(): Promise<void>;
}

const KID = 'fake-issuer-key-1';

export async function startFakeIssuer(clientId = 'warden-approval-page'): Promise<FakeIssuer> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const codes = new Map<string, IssuedCode>();
  const tokenRequests: URLSearchParams[] = [];
  let person: Record<string, unknown> = { sub: 'user-1', email: 'alice@example.com', email_verified: true };
  let tampering: IdTokenTampering = {};
  let counter = 0;
  let url = '';
  let userInfo: Record<string, unknown> | null = null;
  const grants = new Map<string, Record<string, unknown>>();
  const requests: string[] = [];

  const handlers: Record<string, (req: IncomingMessage, res: ServerResponse, body: string) => void> = {
    'GET /.well-known/openid-configuration': (_req, res) =>
      json(res, 200, {
        issuer: url,
        authorization_endpoint: `${url}/authorize`,
        token_endpoint: `${url}/token`,
        jwks_uri: `${url}/jwks.json`,
        userinfo_endpoint: `${url}/userinfo`,
        response_types_supported: ['code'],
        id_token_signing_alg_values_supported: ['RS256'],
      }),
    'GET /jwks.json': (_req, res) =>
      json(res, 200, {
        keys: [{ ...publicKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' }],
      }),
    'GET /authorize': (req, res) => {
      const q = new URL(req.url ?? '/', url).searchParams;
      const required = ['client_id', 'redirect_uri', 'state', 'nonce', 'code_challenge'];
      if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256') {
        return json(res, 400, { error: 'unsupported_response_type' });
      }
      if (required.some((k) => !q.get(k)) || q.get('client_id') !== clientId) {
        return json(res, 400, { error: 'invalid_request' });
      }
      const code = `code-${++counter}`;
      codes.set(code, {
        clientId,
        redirectUri: q.get('redirect_uri')!,
        nonce: q.get('nonce')!,
        codeChallenge: q.get('code_challenge')!,
        claims: person,
      });
      const back = new URL(q.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state')!);
      res.writeHead(302, { location: back.toString() }).end();
    },
    'POST /token': (_req, res, body) => {
      const form = new URLSearchParams(body);
      tokenRequests.push(form);
      if (form.get('grant_type') === 'refresh_token') {
        const person = grants.get(form.get('refresh_token') ?? '');
        if (!person) return json(res, 400, { error: 'invalid_grant' });
        const access = `access-${++counter}`;
        grants.set(access, person);
        return json(res, 200, { access_token: access, token_type: 'Bearer', expires_in: 3600 });
      }
      const issued = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (
        !issued ||
        form.get('grant_type') !== 'authorization_code' ||
        form.get('client_id') !== issued.clientId ||
        form.get('redirect_uri') !== issued.redirectUri ||
        challenge !== issued.codeChallenge
      ) {
        return json(res, 400, { error: 'invalid_grant' });
      }
      const spoil = tampering;
      tampering = {};
      const now = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = {
        ...(spoil.claims ?? issued.claims),
        iss: spoil.iss ?? url,
        aud: spoil.aud ?? issued.clientId,
        nonce: spoil.nonce ?? issued.nonce,
        iat: now + (spoil.iatOffset ?? 0),
        exp: now + (spoil.expiresIn ?? 3600),
        ...(spoil.azp ? { azp: spoil.azp } : {}),
      };
      for (const name of spoil.omit ?? []) delete claims[name];
      const access = `access-${++counter}`;
      const refresh = `refresh-${counter}`;
      grants.set(access, issued.claims);
      grants.set(refresh, issued.claims);
      json(res, 200, {
        id_token: jwt(claims, spoil.foreignKey ? foreign : privateKey),
        access_token: access,
        refresh_token: refresh,
        token_type: 'Bearer',
        expires_in: 3600,
      });
    },
    'GET /userinfo': (req, res) => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const person = grants.get(token);
      if (!person) {
        res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
        return;
      }
      json(res, 200, userInfo ?? person);
    },
  };

  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      requests.push(`${req.method} ${path}`);
      const handler = handlers[`${req.method} ${path}`];
      if (handler) handler(req, res, body);
      else json(res, 404, { error: 'not_found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    clientId,
    signInAs: (claims) => {
      person = claims;
    },
    tamperNextToken: (t) => {
      tampering = t;
    },
    tokenRequests,
    requests,
    userInfoAs: (claims) => {
      userInfo = claims;
    },
    disableEveryone: () => grants.clear(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function jwt(claims: Record<string, unknown>, key: KeyObject): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode({ alg: 'RS256', typ: 'JWT', kid: KID })}.${encode(claims)}`;
  return `${signingInput}.${sign('sha256', Buffer.from(signingInput), key).toString('base64url')}`;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
