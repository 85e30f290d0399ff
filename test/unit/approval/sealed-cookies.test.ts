import { SignInConfigurationError } from '../../../tasks/approval/errors';
import { CookieSealer, readCookies } from '../../../tasks/approval/sealed-cookies';

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
    const bytes = Buffer.from(sealed.slice(3), 'base64url');
    bytes[bytes.length - 20] ^= 1;

    expect(sealer.open('session', `v1.${bytes.toString('base64url')}`)).toBeNull();
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

describe('readCookies', () => {
  it('reads API Gateway’s cookie list and a Cookie header, the first value of a name winning', () => {
    const cookies = readCookies(['a=1', 'b=2=2'], 'a=3; c=4');

    expect(Object.fromEntries(cookies)).toEqual({ a: '1', b: '2=2', c: '4' });
  });
});
