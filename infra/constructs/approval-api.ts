import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { WardenConfig } from '../../config/schema';
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
 * The approval page behind an API Gateway HTTP API. Every route is behind a JWT authorizer: a
 * Cognito user pool created here (approvers are created by administrators, MFA required), or the
 * external OIDC issuer of `config.approvals.authorizer`. Access logs (no tokens: the approval id is
 * the only path parameter and the task token never leaves DynamoDB) go to an encrypted log group.
 */
export class ApprovalApi extends Construct {
  readonly api: apigw.HttpApi;
  /** `https://<api>.execute-api.<region>.amazonaws.com/approvals`, the tasks' APPROVAL_BASE_URL. */
  readonly baseUrl: string;
  /** Only with the Cognito authorizer. */
  readonly userPool?: cognito.UserPool;
  readonly userPoolClient?: cognito.UserPoolClient;
  private readonly authorizer: apigw.IHttpRouteAuthorizer;

  constructor(scope: Construct, id: string, props: ApprovalApiProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: 'warden-approvals',
      description: 'Warden approval page: review and decide proposed NACL blocks',
      createDefaultStage: false,
    });
    this.baseUrl = `${this.api.apiEndpoint}/approvals`;

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
            approver: '$context.authorizer.claims.sub',
            authorizerError: '$context.authorizer.error',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    const authorizer = props.config.approvals.authorizer;
    if (authorizer.kind === 'oidc') {
      this.authorizer = new HttpJwtAuthorizer('ApproverAuthorizer', authorizer.issuer, {
        authorizerName: 'warden-approvers-oidc',
        jwtAudience: authorizer.audience,
      });
    } else {
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
      this.userPool.addDomain('HostedSignIn', {
        cognitoDomain: { domainPrefix: `warden-approvals-${stack.account}` },
      });
      this.userPoolClient = this.userPool.addClient('ApprovalPageClient', {
        userPoolClientName: 'warden-approval-page',
        generateSecret: false,
        preventUserExistenceErrors: true,
        authFlows: { userSrp: true },
        oAuth: {
          flows: { authorizationCodeGrant: true },
          scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
          callbackUrls: [this.baseUrl],
        },
        accessTokenValidity: Duration.hours(1),
        idTokenValidity: Duration.hours(1),
      });
      this.authorizer = new HttpUserPoolAuthorizer('ApproverAuthorizer', this.userPool, {
        authorizerName: 'warden-approvers-cognito',
        userPoolClients: [this.userPoolClient],
      });
    }
  }

  /** Sends every approval route to the page handler, behind the authorizer. */
  routeTo(handler: lambda.IFunction): void {
    const integration = new HttpLambdaIntegration('ApprovalPage', handler);
    for (const route of APPROVAL_ROUTES) {
      this.api.addRoutes({
        path: route.path,
        methods: [route.method],
        integration,
        authorizer: this.authorizer,
      });
    }
  }
}
