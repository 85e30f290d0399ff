import { approverFromClaims } from '../../../tasks/approval/oidc-client';

describe('approverFromClaims', () => {
  it('names the approver by the verified e-mail by default, which people recognise in the audit trail', () => {
    const claims = {
      email: 'alice@example.com',
      email_verified: true,
      'cognito:username': 'alice',
      sub: 'uuid-1',
    };

    expect(approverFromClaims(claims)).toEqual({ name: 'alice@example.com' });
  });

  it('names the approver by the configured claim instead, e.g. the Cognito user name', () => {
    expect(approverFromClaims({ 'cognito:username': 'alice', sub: 'uuid-1' }, 'cognito:username')).toEqual({
      name: 'alice',
    });
    expect(approverFromClaims({ preferred_username: 'alice', sub: 'u' }, 'preferred_username')).toEqual({
      name: 'alice',
    });
  });

  it('never falls back to the opaque subject', () => {
    expect(approverFromClaims({ sub: 'uuid-1' })).toBeNull();
    expect(approverFromClaims({ 'cognito:username': 'alice', sub: 'uuid-1' })).toBeNull();
  });

  it('skips an e-mail the issuer marks unverified, or does not mark verified, which anyone could have typed', () => {
    expect(approverFromClaims({ email: 'ceo@example.com', email_verified: false, sub: 'u' })).toBeNull();
    expect(approverFromClaims({ email: 'ceo@example.com', email_verified: 'false', sub: 'u' })).toBeNull();
    expect(approverFromClaims({ email: 'ceo@example.com', sub: 'u' })).toBeNull();
    expect(approverFromClaims({ email: 'ceo@example.com', email_verified: 'true', sub: 'u' })).toEqual({
      name: 'ceo@example.com',
    });
  });

  it('is null without a usable claim', () => {
    expect(approverFromClaims({ email: '  ', email_verified: true, sub: ['a'] })).toBeNull();
  });
});
