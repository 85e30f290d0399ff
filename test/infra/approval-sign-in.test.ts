import { Template } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../config/load';
import { exampleConfig, nagViolations, synthWarden } from './helpers';

/** How the approval function signs approvers in, per config: the Cognito client and an external issuer's. */

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:222222222222:secret:warden-approvals-client-AbCdEf';

function approvalPage(template: Template): { env: Record<string, unknown>; role: string } {
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function')).filter(
    (f) => f.Properties.Environment?.Variables?.SESSION_SECRET_ARN !== undefined,
  );
  return { env: fn!.Properties.Environment.Variables, role: JSON.stringify(fn!.Properties.Role) };
}

describe('the Cognito app client of the approval page', () => {
  it('allows the code flow only (no SRP, no password or custom auth flows), with refresh for the decision check', () => {
    const template = Template.fromStack(synthWarden(exampleConfig(), []).security);
    const [client] = Object.values(template.findResources('AWS::Cognito::UserPoolClient'));

    expect(client!.Properties.ExplicitAuthFlows).toEqual(['ALLOW_REFRESH_TOKEN_AUTH']);
    expect(client!.Properties.AllowedOAuthFlows).toEqual(['code']);
    expect(client!.Properties.GenerateSecret).toBe(false);
    const { env } = approvalPage(template);
    expect(env.SIGN_IN_CLIENT_AUTH).toBe('none');
    expect(env.SIGN_IN_IDENTITY_CLAIM).toBe('email');
    expect(env.SIGN_IN_CLIENT_SECRET_ARN).toBeUndefined();
    expect(JSON.stringify(env.SIGN_IN_USERINFO_ENDPOINT)).toContain('/oauth2/userInfo');
  });

  it('as a confidential client: a generated secret, kept in Secrets Manager for the function, sent with client_secret_basic', () => {
    const security = synthWarden(
      exampleConfig({
        approvals: {
          authorizer: { kind: 'cognito', clientType: 'confidential', identityClaim: 'cognito:username' },
        },
      }),
      [],
    ).security;
    const template = Template.fromStack(security);
    const [client] = Object.values(template.findResources('AWS::Cognito::UserPoolClient'));
    const { env } = approvalPage(template);

    expect(client!.Properties.GenerateSecret).toBe(true);
    expect(env.SIGN_IN_CLIENT_AUTH).toBe('client_secret_basic');
    expect(env.SIGN_IN_IDENTITY_CLAIM).toBe('cognito:username');
    const secretId = (env.SIGN_IN_CLIENT_SECRET_ARN as { Ref: string }).Ref;
    expect(template.toJSON().Resources[secretId].Type).toBe('AWS::SecretsManager::Secret');
    const reads = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.PolicyDocument).includes(secretId),
    );
    expect(reads).toHaveLength(1);
    expect(nagViolations(security)).toEqual([]);
  });
});

describe('an external issuer with a confidential client', () => {
  it('passes private_key_jwt, the key secret, its key id and the identity claim to the function, and lets it read the secret', () => {
    const template = Template.fromStack(
      synthWarden(
        exampleConfig({
          approvals: {
            authorizer: {
              kind: 'oidc',
              issuer: 'https://login.example.com/tenant',
              audience: ['warden-approvals'],
              clientAuthentication: 'private_key_jwt',
              clientSecretArn: SECRET_ARN,
              clientKeyId: 'warden-2026',
              identityClaim: 'preferred_username',
            },
          },
        }),
        [],
      ).security,
    );
    const { env } = approvalPage(template);

    expect(env).toMatchObject({
      SIGN_IN_CLIENT_AUTH: 'private_key_jwt',
      SIGN_IN_CLIENT_SECRET_ARN: SECRET_ARN,
      SIGN_IN_CLIENT_KEY_ID: 'warden-2026',
      SIGN_IN_IDENTITY_CLAIM: 'preferred_username',
    });
    const grants = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.PolicyDocument).includes(SECRET_ARN),
    );
    expect(grants).toHaveLength(1);
  });
});

describe('the sign-in config', () => {
  const base = {
    organization: {
      managementAccountId: '111111111111',
      securityAccountId: '222222222222',
      homeRegion: 'eu-west-1',
      regions: ['eu-west-1'],
    },
  };

  it('refuses a confidential external client without the secret holding its credential, naming the field', () => {
    const attempt = () =>
      parseConfig({
        ...base,
        approvals: {
          authorizer: {
            kind: 'oidc',
            issuer: 'https://login.example.com',
            audience: ['w'],
            clientAuthentication: 'client_secret_basic',
          },
        },
      });

    expect(attempt).toThrow(
      /approvals\.authorizer\.clientSecretArn: is required with clientAuthentication client_secret_basic/,
    );
  });

  it('refuses an identity claim that is not a claim name', () => {
    expect(() =>
      parseConfig({ ...base, approvals: { authorizer: { kind: 'cognito', identityClaim: 'email; drop' } } }),
    ).toThrow(/approvals\.authorizer\.identityClaim: must be a claim name/);
  });
});
