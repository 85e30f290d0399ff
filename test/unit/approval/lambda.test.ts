import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { identityOf } from '../../../tasks/approval/lambda';

function eventWithClaims(claims: Record<string, string | number | boolean | string[]> | undefined) {
  return {
    requestContext: { authorizer: claims ? { jwt: { claims, scopes: [] } } : undefined },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

describe('identityOf (the API Gateway adapter)', () => {
  it('prefers the e-mail claim, which people recognise in the audit trail', () => {
    const event = eventWithClaims({ email: 'alice@example.com', 'cognito:username': 'alice', sub: 'uuid-1' });

    expect(identityOf(event)).toEqual({ name: 'alice@example.com' });
  });

  it('falls back to the Cognito user name, then to the subject', () => {
    expect(identityOf(eventWithClaims({ 'cognito:username': 'alice', sub: 'uuid-1' }))).toEqual({
      name: 'alice',
    });
    expect(identityOf(eventWithClaims({ sub: 'uuid-1' }))).toEqual({ name: 'uuid-1' });
  });

  it('is null without an authorizer or without a usable claim', () => {
    expect(identityOf(eventWithClaims(undefined))).toBeNull();
    expect(identityOf(eventWithClaims({ email: '  ', sub: ['a'] }))).toBeNull();
  });
});
