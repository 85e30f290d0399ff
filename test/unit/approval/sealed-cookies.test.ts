import { SignInConfigurationError } from '../../../tasks/approval/errors';
import {
  CookieSealer,
  cookieKeyId,
  RotatingCookieSealer,
  readCookies,
} from '../../../tasks/approval/sealed-cookies';

describe('CookieSealer', () => {
  const sealer = new CookieSealer('s'.repeat(64));

  it('opens what it sealed, for the same purpose', () => {
    const sealed = sealer.seal('session', { name: 'alice@example.com' });

    expect(sealer.open('session', sealed)).toEqual({ name: 'alice@example.com' });
    expect(sealed).not.toContain('alice');
  });

  it('refuses a sign-in cookie presented as a session', () => {
    const sealed = sealer.seal('sign-in', { name: 'alice@example.com' });

    expect(sealer.open('session', sealed)).toBeNull();
  });

  it('refuses a value with one byte changed', () => {
    const sealed = sealer.seal('session', { name: 'alice' });
    const [version, keyId, body] = sealed.split('.');
    const bytes = Buffer.from(body!, 'base64url');
    bytes[bytes.length - 20] ^= 1;

    expect(sealer.open('session', `${version}.${keyId}.${bytes.toString('base64url')}`)).toBeNull();
  });

  it('refuses nothing, garbage and values of another version', () => {
    for (const value of [undefined, '', 'garbage', 'v2.AAAA', 'v1.AAAA']) {
      expect(sealer.open('session', value)).toBeNull();
    }
  });

  it('fails when the secret is too short to be a key', () => {
    expect(() => new CookieSealer('short')).toThrow(SignInConfigurationError);
    expect(() => new CookieSealer('short')).toThrow('at least 32 characters, got 5');
  });
});

describe('CookieSealer key ring (the session secret rotates)', () => {
  const previous = 'p'.repeat(64);
  const current = 'c'.repeat(64);

  it('seals with the current secret and names it by a key id that does not reveal the secret', () => {
    const sealed = new CookieSealer([current, previous]).seal('session', { name: 'alice' });

    expect(sealed.split('.').slice(0, 2)).toEqual(['v2', cookieKeyId(current)]);
    expect(cookieKeyId(current)).not.toContain('ccc');
  });

  it('opens a cookie sealed with the previous secret, and not one of a secret it never held', () => {
    const before = new CookieSealer(previous).seal('session', { name: 'alice' });
    const foreign = new CookieSealer('f'.repeat(64)).seal('session', { name: 'mallory' });
    const ring = new CookieSealer([current, previous]);

    expect(ring.open('session', before)).toEqual({ name: 'alice' });
    expect(ring.open('session', foreign)).toBeNull();
  });

  it('lets an instance started before the rotation read the secret again to open a newer cookie', async () => {
    let reloads = 0;
    const old = new RotatingCookieSealer(new CookieSealer(previous), async () => {
      reloads += 1;
      return new CookieSealer([current, previous]);
    });
    const newer = new CookieSealer([current, previous]).seal('session', { name: 'alice' });

    expect(await old.open('session', newer)).toEqual({ name: 'alice' });
    expect(old.currentKeyId).toBe(cookieKeyId(current));
    expect(reloads).toBe(1);
  });

  it('reads the secret again at most once a minute, however many unknown key ids arrive', async () => {
    let reloads = 0;
    let now = 0;
    const sealer = new RotatingCookieSealer(
      new CookieSealer(current),
      async () => {
        reloads += 1;
        return new CookieSealer(current);
      },
      () => now,
    );
    const forged = `v2.${'A'.repeat(11)}.${'A'.repeat(60)}`;

    for (let i = 0; i < 5; i += 1) expect(await sealer.open('session', forged)).toBeNull();
    now = 61_000;
    await sealer.open('session', forged);

    expect(reloads).toBe(2);
  });
});

describe('readCookies', () => {
  it('reads API Gateway’s cookie list and a Cookie header, the first value of a name winning', () => {
    const cookies = readCookies(['a=1', 'b=2=2'], 'a=3; c=4');

    expect(Object.fromEntries(cookies)).toEqual({ a: '1', b: '2=2', c: '4' });
  });
});
