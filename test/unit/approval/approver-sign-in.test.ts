import { approverFromClaims } from '../../../tasks/approval/approver-sign-in';

describe('approverFromClaims', () => {
  it('prefers the e-mail, which people recognise in the audit trail', () => {
    const claims = { email: 'alice@example.com', 'cognito:username': 'alice', sub: 'uuid-1' };

    expect(approverFromClaims(claims)).toEqual({ name: 'alice@example.com' });
  });

  it('falls back to the Cognito user name, then to the subject', () => {
    expect(approverFromClaims({ 'cognito:username': 'alice', sub: 'uuid-1' })).toEqual({ name: 'alice' });
    expect(approverFromClaims({ sub: 'uuid-1' })).toEqual({ name: 'uuid-1' });
  });

  it('skips an e-mail the issuer marks unverified, which anyone could have typed', () => {
    expect(approverFromClaims({ email: 'ceo@example.com', email_verified: false, sub: 'u' })).toEqual({
      name: 'u',
    });
    expect(approverFromClaims({ email: 'ceo@example.com', email_verified: 'false', sub: 'u' })).toEqual({
      name: 'u',
    });
  });

  it('is null without a usable claim', () => {
    expect(approverFromClaims({ email: '  ', sub: ['a'] })).toBeNull();
  });
});
