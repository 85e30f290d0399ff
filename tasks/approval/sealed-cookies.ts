import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { SignInConfigurationError } from './errors';

/**
 * Cookies the approval function hands to browsers and must get back unchanged: the session
 * (who signed in) and the sign-in under way (state, nonce, PKCE verifier). Each is sealed with
 * AES-256-GCM, which both encrypts (the verifier and the approver's e-mail stay unreadable) and
 * authenticates (a changed byte fails to open). Keys are derived per purpose with HKDF from one
 * secret, and the purpose is the additional authenticated data, so a sign-in cookie can never be
 * replayed as a session.
 */
export type CookiePurpose = 'session' | 'sign-in';

/** Secrets Manager generates the secret; anything shorter is not a key worth the name. */
export const MIN_SECRET_CHARS = 32;
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SALT = 'warden approval cookies';

export class CookieSealer {
  private readonly keys: ReadonlyMap<CookiePurpose, Buffer>;

  constructor(secret: string) {
    if (secret.length < MIN_SECRET_CHARS) {
      throw new SignInConfigurationError(
        `the session secret must be at least ${MIN_SECRET_CHARS} characters, got ${secret.length}`,
      );
    }
    const derive = (purpose: CookiePurpose) =>
      Buffer.from(hkdfSync('sha256', secret, SALT, `warden ${purpose} cookie`, 32));
    this.keys = new Map([
      ['session', derive('session')],
      ['sign-in', derive('sign-in')],
    ]);
  }

  /** `v1.<base64url(iv | ciphertext | tag)>`: cookie-safe without quoting. */
  seal(purpose: CookiePurpose, payload: unknown): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key(purpose), iv);
    cipher.setAAD(Buffer.from(purpose));
    const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
  }

  /**
   * The payload, or null when the value was not sealed by us for this purpose. A browser may hold
   * a cookie from an earlier key or a cut-off value; either just means "not signed in".
   */
  open(purpose: CookiePurpose, sealed: string | undefined): unknown {
    if (!sealed?.startsWith(`${VERSION}.`)) return null;
    const bytes = Buffer.from(sealed.slice(VERSION.length + 1), 'base64url');
    if (bytes.length <= IV_BYTES + TAG_BYTES) return null;
    const decipher = createDecipheriv('aes-256-gcm', this.key(purpose), bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    try {
      const text = Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
      return JSON.parse(text) as unknown;
    } catch {
      // final() throws when the tag does not match: a forged or foreign cookie, not a fault.
      return null;
    }
  }

  private key(purpose: CookiePurpose): Buffer {
    const key = this.keys.get(purpose);
    if (!key) throw new SignInConfigurationError(`no cookie key for ${purpose}`);
    return key;
  }
}

/**
 * Cookies of a request: API Gateway's payload 2.0 lists them in `cookies`, other callers pass the
 * Cookie header. The first value of a name wins, as in browsers' own ordering (most specific path).
 */
export function readCookies(list: readonly string[] | undefined, header?: string): Map<string, string> {
  const out = new Map<string, string>();
  const pairs = [...(list ?? []), ...(header ?? '').split(';')];
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const name = pair.slice(0, at).trim();
    if (!out.has(name)) out.set(name, pair.slice(at + 1).trim());
  }
  return out;
}

export interface CookieOptions {
  maxAgeSeconds: number;
  sameSite: 'Lax' | 'Strict';
}

/**
 * A `Set-Cookie` value for a `__Host-` cookie: the prefix makes browsers insist on Secure, Path=/
 * and no Domain, so no other host under execute-api can plant or read it.
 */
export function setCookie(name: string, value: string, options: CookieOptions): string {
  return `${name}=${value}; Path=/; Max-Age=${options.maxAgeSeconds}; HttpOnly; Secure; SameSite=${options.sameSite}`;
}

export function clearCookie(name: string, sameSite: CookieOptions['sameSite']): string {
  return setCookie(name, '', { maxAgeSeconds: 0, sameSite });
}
