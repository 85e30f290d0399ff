import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { WardenConfig } from '../../config/schema';
import {
  CALLBACK_PATH,
  SIGN_IN_PATH,
  SIGN_OUT_PATH,
  SIGNED_OUT_PATH,
} from '../../tasks/approval/approver-sign-in';
import { acknowledgeFindings, acknowledgeRule } from '../nag';
import type { LogEncryptionKey } from './log-encryption-key';

export interface ApprovalApiProps {
  readonly config: WardenConfig;
  readonly logs: LogEncryptionKey;
  /**
   * Requests per second across the API, and the burst above it. Approvals are clicked by people;
   * the limits only stop a flood from reaching the page function.
   * @default - 10 per second, burst 20
   */
  readonly throttle?: { rateLimit: number; burstLimit: number };
}

/** The approval page's routes: GET shows and changes nothing; decisions are POSTs. */
export const APPROVAL_ROUTES = [
  { method: apigw.HttpMethod.GET, path: '/approvals/{id}' },
  { method: apigw.HttpMethod.POST, path: '/approvals/{id}/approve' },
  { method: apigw.HttpMethod.POST, path: '/approvals/{id}/reject' },
] as const;

/**
 * The sign-in routes: the page's "Sign in" link, where the issuer sends the browser back, the
 * "Sign out" button and the page after it.
 */
export const SIGN_IN_ROUTES = [
  { method: apigw.HttpMethod.GET, path: SIGN_IN_PATH },
  { method: apigw.HttpMethod.GET, path: CALLBACK_PATH },
  { method: apigw.HttpMethod.POST, path: SIGN_OUT_PATH },
  { method: apigw.HttpMethod.GET, path: SIGNED_OUT_PATH },
] as const;

/** The construct id CDK gives the one Lambda function behind every AwsCustomResource of a stack. */
const AWS_CUSTOM_RESOURCE_PROVIDER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

/** The function behind the API: its environment gains the sign-in settings, its role the secret. */
export interface ApprovalPageFunction {
  readonly function: lambda.Function;
  readonly role: iam.IRole;
}

/** Where the approval function signs approvers in (see `tasks/approval/lambda.ts` SignInEnvironment). */
interface SignInSettings {
  issuer: string;
  clientId: string;
  /** Only for Cognito, whose hosted domain is known here; an external issuer is discovered. */
  endpoints?: { authorization: string; token: string; jwks: string; userinfo: string };
  clientAuthentication: 'none' | 'client_secret_basic' | 'private_key_jwt';
  /** The secret holding the client secret or private key (not for a public client). */
  clientSecret?: secretsmanager.ISecret;
  clientKeyId?: string;
  identityClaim: string;
}

/**
 * The approval page behind an API Gateway HTTP API. Approvers arrive by following a link from a
 * notification, with no bearer token, so the routes have no JWT authorizer: the approval function
 * runs the OpenID Connect code flow with PKCE itself (`tasks/approval/approver-sign-in.ts`) against
 * a Cognito user pool created here (approvers are created by administrators, MFA required) or the
 * external OIDC issuer of `config.approvals.authorizer`, and keeps the session in a cookie sealed
 * with a key from a secret only that function can read. Access logs (no tokens: the approval id is
 * the only path parameter, codes and cookies are not logged, and the task token never leaves
 * DynamoDB) go to an encrypted log group.
 */
export class ApprovalApi extends Construct {
  readonly api: apigw.HttpApi;
  /** `https://<api>.execute-api.<region>.amazonaws.com/approvals`, the tasks' APPROVAL_BASE_URL. */
  readonly baseUrl: string;
  /** `https://<api>.execute-api.<region>.amazonaws.com/auth/callback`: register it at an external issuer. */
  readonly callbackUrl: string;
  /** Only with the Cognito user pool. */
  readonly userPool?: cognito.UserPool;
  readonly userPoolClient?: cognito.UserPoolClient;
  /** The key material of the session cookies; only the function `routeTo` names may read it. */
  readonly sessionSecret: secretsmanager.Secret;
  private readonly signIn: SignInSettings;

  constructor(scope: Construct, id: string, props: ApprovalApiProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: 'warden-approvals',
      description: 'Warden approval page: review and decide proposed NACL blocks',
      createDefaultStage: false,
    });
    this.baseUrl = `${this.api.apiEndpoint}/approvals`;
    // Built from the API's id and region (apiEndpoint), not from a stage or domain, so the user
    // pool client can name it without depending on the routes or the function.
    this.callbackUrl = `${this.api.apiEndpoint}${CALLBACK_PATH}`;

    const accessLogs = props.logs.logGroup(this, 'AccessLogs');
    new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 10, burstLimit: 20 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    this.sessionSecret = new secretsmanager.Secret(this, 'SessionKey', {
      description: 'Warden approval page: the key its session and sign-in cookies are sealed with',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    acknowledgeRule(
      this.sessionSecret,
      'SMG4',
      'The secret is a random cookie key, not a credential of another system. Rotating it (put a new ' +
        'value) keeps approvers signed in: the function seals with the current version and still opens ' +
        'cookies of the previous one, and instances started earlier read the new version when they ' +
        'meet a cookie sealed with it.',
    );

    const authorizer = props.config.approvals.authorizer;
    if (authorizer.kind === 'oidc') {
      // In an ID token the audience is the client the person signed in to.
      const [clientId] = authorizer.audience;
      this.signIn = {
        issuer: authorizer.issuer,
        clientId: clientId!,
        clientAuthentication: authorizer.clientAuthentication,
        ...(authorizer.clientSecretArn
          ? {
              clientSecret: secretsmanager.Secret.fromSecretCompleteArn(
                this,
                'ClientSecret',
                authorizer.clientSecretArn,
              ),
            }
          : {}),
        ...(authorizer.clientKeyId ? { clientKeyId: authorizer.clientKeyId } : {}),
        identityClaim: authorizer.identityClaim,
      };
      return;
    }
    this.userPool = new cognito.UserPool(this, 'Approvers', {
      userPoolName: 'warden-approvers',
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // Approvers change NACLs across the organisation: the Plus plan blocks risky and
      // compromised-credential sign-ins (a few cents per approver a month).
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Cognito domain prefixes are global: the account id makes Warden's unique per account.
    const domain = this.userPool.addDomain('HostedSignIn', {
      cognitoDomain: { domainPrefix: `warden-approvals-${stack.account}` },
    });
    const confidential = authorizer.clientType === 'confidential';
    this.userPoolClient = this.userPool.addClient('ApprovalPageClient', {
      userPoolClientName: 'warden-approval-page',
      // Public: the function proves the code is its own with PKCE alone. Confidential: it also
      // sends the client's secret (client_secret_basic), which Cognito then requires.
      generateSecret: confidential,
      preventUserExistenceErrors: true,
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [this.callbackUrl],
      },
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
    });
    // The hosted sign-in's code flow only. Left out, ExplicitAuthFlows defaults to refresh, SRP and
    // custom auth ("If you don't specify a value for ExplicitAuthFlows, your app client supports
    // ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_SRP_AUTH, and ALLOW_CUSTOM_AUTH", Cognito API reference,
    // UserPoolClientType); the function needs only the refresh, to ask Cognito before each decision
    // whether the approver is still enabled.
    (this.userPoolClient.node.defaultChild as cognito.CfnUserPoolClient).explicitAuthFlows = [
      'ALLOW_REFRESH_TOKEN_AUTH',
    ];
    // Written out rather than the pool's ProviderURL attribute, which omits the scheme; this is the
    // exact `iss` of the pool's tokens.
    const issuer = `https://cognito-idp.${stack.region}.${stack.urlSuffix}/${this.userPool.userPoolId}`;
    this.signIn = {
      issuer,
      clientId: this.userPoolClient.userPoolClientId,
      endpoints: {
        authorization: `${domain.baseUrl()}/oauth2/authorize`,
        token: `${domain.baseUrl()}/oauth2/token`,
        jwks: `${issuer}/.well-known/jwks.json`,
        userinfo: `${domain.baseUrl()}/oauth2/userInfo`,
      },
      clientAuthentication: confidential ? 'client_secret_basic' : 'none',
      identityClaim: authorizer.identityClaim,
      ...(confidential ? { clientSecret: this.cognitoClientSecret(this.userPoolClient) } : {}),
    };
  }

  /**
   * The sign-in settings, by the variable names of the approval page's environment
   * (`approvalPageFunction` in `tasks/approval/lambda.ts`); the stack sets those its manifest
   * declares.
   */
  signInVariables(): Record<string, string> {
    const { endpoints, clientSecret } = this.signIn;
    return {
      SIGN_IN_ISSUER: this.signIn.issuer,
      SIGN_IN_CLIENT_ID: this.signIn.clientId,
      SIGN_IN_CALLBACK_URL: this.callbackUrl,
      SIGN_IN_CLIENT_AUTH: this.signIn.clientAuthentication,
      SIGN_IN_IDENTITY_CLAIM: this.signIn.identityClaim,
      SESSION_SECRET_ARN: this.sessionSecret.secretArn,
      ...(clientSecret ? { SIGN_IN_CLIENT_SECRET_ARN: clientSecret.secretArn } : {}),
      ...(this.signIn.clientKeyId ? { SIGN_IN_CLIENT_KEY_ID: this.signIn.clientKeyId } : {}),
      ...(endpoints
        ? {
            SIGN_IN_AUTHORIZATION_ENDPOINT: endpoints.authorization,
            SIGN_IN_TOKEN_ENDPOINT: endpoints.token,
            SIGN_IN_JWKS_URI: endpoints.jwks,
            SIGN_IN_USERINFO_ENDPOINT: endpoints.userinfo,
          }
        : {}),
    };
  }

  /**
   * The Cognito app client's generated secret, copied into Secrets Manager so the function reads it
   * as it reads the cookie key, never from its environment. CDK reads the secret with a custom
   * resource (DescribeUserPoolClient).
   */
  private cognitoClientSecret(client: cognito.UserPoolClient): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'ClientSecret', {
      description: "Warden approval page: the Cognito app client's secret",
      secretStringValue: client.userPoolClientSecret,
    });
    acknowledgeRule(
      secret,
      'SMG4',
      'A copy of the secret Cognito generated for the app client; Cognito has no rotation of it that ' +
        'Secrets Manager could drive. Replace it by creating a new app client.',
    );
    const reader = Stack.of(this).node.tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER_ID);
    if (reader) {
      acknowledgeFindings(
        reader,
        'IAM4',
        ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
        "CDK's own provider for reading the app client's secret at deploy time; it needs only to write its logs.",
      );
    }
    return secret;
  }

  /**
   * Sends every approval and sign-in route to the page function, with no authorizer (the function
   * authenticates), and denies everyone else the session secret (the function's manifest grants
   * it read access). A confidential client's credential exists only with some configs, so its read
   * is granted here rather than by the manifest.
   */
  routeTo(page: ApprovalPageFunction): void {
    const integration = new HttpLambdaIntegration('ApprovalPage', page.function);
    for (const route of [...APPROVAL_ROUTES, ...SIGN_IN_ROUTES]) {
      this.api.addRoutes({ path: route.path, methods: [route.method], integration });
    }
    acknowledgeRule(
      this.api,
      'APIG4',
      'Approvers open the page from a link in a notification, which carries no bearer token, so an ' +
        'API Gateway authorizer would turn every approver away. The approval function authenticates ' +
        'each request itself: OpenID Connect code flow with PKCE, ID token verified against the ' +
        "issuer's JWKS, session in an encrypted, HttpOnly, Secure cookie (tasks/approval/approver-sign-in.ts).",
    );

    this.signIn.clientSecret?.grantRead(page.role);

    // The key signs people in: besides the function, nobody in the account may read it, whatever
    // their own policies allow.
    this.sessionSecret.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheApprovalPageReadsTheKey',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['secretsmanager:GetSecretValue'],
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': page.role.roleArn } },
      }),
    );
  }
}
