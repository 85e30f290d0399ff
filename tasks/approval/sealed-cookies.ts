import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { SignInConfigurationError } from './errors';

/**
 * Cookies the approval function hands to browsers and must get back unchanged: the session
 * (who signed in) and the sign-in under way (state, nonce, PKCE verifier). Each is sealed with
 * AES-256-GCM, which both encrypts (the verifier and the approver's e-mail stay unreadable) and
 * authenticates (a changed byte fails to open). Keys are derived per purpose with HKDF from one
 * secret, and the purpose is the additional authenticated data, so a sign-in cookie can never be
 * replayed as a session.
 *
 * The secret rotates (Secrets Manager keeps the current and the previous version), so the sealer
 * holds a key ring: it seals with the current secret and names it by a key id, and opens with any
 * secret of the ring. A cookie sealed by a newer function instance names a key id this one does
 * not hold yet; `RotatingCookieSealer` then reads the secret again.
 */
export type CookiePurpose = 'session' | 'sign-in';

/** Secrets Manager generates the secret; anything shorter is not a key worth the name. */
export const MIN_SECRET_CHARS = 32;
/** `v1.<sealed>`: before key ids; opened with every key of the ring. */
const LEGACY_VERSION = 'v1';
/** `v2.<key id>.<sealed>`. */
const VERSION = 'v2';
const KEY_ID = /^[A-Za-z0-9_-]{11}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SALT = 'warden approval cookies';

interface RingKey {
  id: string;
  keys: ReadonlyMap<CookiePurpose, Buffer>;
}

/** A short, public name of a secret: a hash that says nothing about the secret itself. */
export function cookieKeyId(secret: string): string {
  return createHash('sha256').update(`warden cookie key id|${secret}`).digest('base64url').slice(0, 11);
}

export class CookieSealer {
  private readonly ring: readonly RingKey[];

  /** @param secrets the current secret first, then older ones still accepted (the previous version). */
  constructor(secrets: string | readonly string[]) {
    const list = typeof secrets === 'string' ? [secrets] : secrets;
    if (list.length === 0) throw new SignInConfigurationError('the cookie key ring holds no secret');
    this.ring = list.map((secret) => {
      if (secret.length < MIN_SECRET_CHARS) {
        throw new SignInConfigurationError(
          `the session secret must be at least ${MIN_SECRET_CHARS} characters, got ${secret.length}`,
        );
      }
      const derive = (purpose: CookiePurpose) =>
        Buffer.from(hkdfSync('sha256', secret, SALT, `warden ${purpose} cookie`, 32));
      return {
        id: cookieKeyId(secret),
        keys: new Map([
          ['session', derive('session')],
          ['sign-in', derive('sign-in')],
        ]),
      };
    });
  }

  /** The key id new cookies carry. */
  get currentKeyId(): string {
    return this.ring[0]!.id;
  }

  /** `v2.<key id>.<base64url(iv | ciphertext | tag)>`: cookie-safe without quoting. */
  seal(purpose: CookiePurpose, payload: unknown): string {
    const current = this.ring[0]!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', keyOf(current, purpose), iv);
    cipher.setAAD(Buffer.from(purpose));
    const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
    return `${VERSION}.${current.id}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
  }

  /**
   * The payload, or null when the value was not sealed by us for this purpose. A browser may hold
   * a cookie from a retired key or a cut-off value; either just means "not signed in".
   */
  open(purpose: CookiePurpose, sealed: string | undefined): unknown {
    const parts = sealed?.split('.') ?? [];
    if (parts.length === 2 && parts[0] === LEGACY_VERSION) {
      for (const key of this.ring) {
        const opened = openWith(keyOf(key, purpose), purpose, parts[1]!);
        if (opened !== null) return opened;
      }
      return null;
    }
    if (parts.length !== 3 || parts[0] !== VERSION) return null;
    const key = this.ring.find((k) => k.id === parts[1]);
    return key ? openWith(keyOf(key, purpose), purpose, parts[2]!) : null;
  }

  /** Whether the value names a key id this ring does not hold (sealed by a newer secret, maybe). */
  sealedWithUnknownKey(sealed: string | undefined): boolean {
    const parts = sealed?.split('.') ?? [];
    return (
      parts.length === 3 &&
      parts[0] === VERSION &&
      KEY_ID.test(parts[1]!) &&
      !this.ring.some((k) => k.id === parts[1])
    );
  }
}

/**
 * A sealer that reads the secret again when a cookie names a key it does not hold: while the
 * secret rotates, a function instance started before the rotation meets cookies sealed by one
 * started after it. Reloads at most once per `minReloadMs`, so forged key ids cannot make every
 * request read Secrets Manager.
 */
export class RotatingCookieSealer {
  private lastReload = Number.NEGATIVE_INFINITY;
  private reloading?: Promise<void>;

  constructor(
    private sealer: CookieSealer,
    private readonly reload: () => Promise<CookieSealer>,
    private readonly now: () => number = Date.now,
    private readonly minReloadMs = 60_000,
  ) {}

  get currentKeyId(): string {
    return this.sealer.currentKeyId;
  }

  seal(purpose: CookiePurpose, payload: unknown): string {
    return this.sealer.seal(purpose, payload);
  }

  async open(purpose: CookiePurpose, sealed: string | undefined): Promise<unknown> {
    if (this.sealer.sealedWithUnknownKey(sealed) && this.now() - this.lastReload >= this.minReloadMs) {
      this.lastReload = this.now();
      this.reloading ??= this.reload()
        .then((fresh) => {
          this.sealer = fresh;
        })
        .finally(() => {
          this.reloading = undefined;
        });
      await this.reloading;
    }
    return this.sealer.open(purpose, sealed);
  }
}

/** What the sign-in needs of a sealer; both kinds above serve. */
export interface CookieSealing {
  seal(purpose: CookiePurpose, payload: unknown): string;
  open(purpose: CookiePurpose, sealed: string | undefined): unknown;
}

function keyOf(key: RingKey, purpose: CookiePurpose): Buffer {
  const found = key.keys.get(purpose);
  if (!found) throw new SignInConfigurationError(`no cookie key for ${purpose}`);
  return found;
}

function openWith(key: Buffer, purpose: CookiePurpose, encoded: string): unknown {
  const bytes = Buffer.from(encoded, 'base64url');
  if (bytes.length <= IV_BYTES + TAG_BYTES) return null;
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
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
