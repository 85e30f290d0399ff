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
import { CALLBACK_PATH, SIGN_IN_PATH } from '../../tasks/approval/approver-sign-in';
import { acknowledgeRule } from '../nag';
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

/** The sign-in routes: the page's "Sign in" link, and where the issuer sends the browser back. */
export const SIGN_IN_ROUTES = [
  { method: apigw.HttpMethod.GET, path: SIGN_IN_PATH },
  { method: apigw.HttpMethod.GET, path: CALLBACK_PATH },
] as const;

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
  endpoints?: { authorization: string; token: string; jwks: string };
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
      'The secret is a random cookie key, not a credential of another system. Rotating it signs every ' +
        'approver out; do it by hand (put a new value, then update the function so every instance ' +
        'reads it) rather than on a schedule that would interrupt approvals.',
    );

    const authorizer = props.config.approvals.authorizer;
    if (authorizer.kind === 'oidc') {
      // In an ID token the audience is the client the person signed in to.
      const [clientId] = authorizer.audience;
      this.signIn = { issuer: authorizer.issuer, clientId: clientId! };
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
    this.userPoolClient = this.userPool.addClient('ApprovalPageClient', {
      userPoolClientName: 'warden-approval-page',
      // A public client: the function proves the code is its own with PKCE, not a client secret.
      generateSecret: false,
      preventUserExistenceErrors: true,
      authFlows: { userSrp: true },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [this.callbackUrl],
      },
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
    });
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
      },
    };
  }

  /**
   * The sign-in settings, by the variable names of the approval page's environment
   * (`approvalPageFunction` in `tasks/approval/lambda.ts`); the stack sets those its manifest
   * declares.
   */
  signInVariables(): Record<string, string> {
    const endpoints = this.signIn.endpoints;
    return {
      SIGN_IN_ISSUER: this.signIn.issuer,
      SIGN_IN_CLIENT_ID: this.signIn.clientId,
      SIGN_IN_CALLBACK_URL: this.callbackUrl,
      SESSION_SECRET_ARN: this.sessionSecret.secretArn,
      ...(endpoints
        ? {
            SIGN_IN_AUTHORIZATION_ENDPOINT: endpoints.authorization,
            SIGN_IN_TOKEN_ENDPOINT: endpoints.token,
            SIGN_IN_JWKS_URI: endpoints.jwks,
          }
        : {}),
    };
  }

  /**
   * Sends every approval and sign-in route to the page function, with no authorizer (the function
   * authenticates), and denies everyone else the session secret (the function's manifest grants
   * it read access).
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
