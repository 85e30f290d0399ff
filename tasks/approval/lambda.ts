import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { describeIssues } from '../../config/load';
import { depsFromEnvironment, EnvironmentError } from '../shared/lambda';
import type { TaskNeeds } from '../shared/task';
import { ApproverSignIn, SIGN_IN_PATH } from './approver-sign-in';
import { SignInConfigurationError } from './errors';
import { OidcClient } from './oidc-client';
import { type ApprovalPageDeps, handleApprovalRequest } from './page';
import { CookieSealer, readCookies } from './sealed-cookies';

/**
 * The approval page behind API Gateway (HTTP API, payload format 2.0, no authorizer: the function
 * signs approvers in itself, see `approver-sign-in.ts`). This file only translates: the event into
 * a sign-in step or an `ApprovalHttpRequest` with the session's approver, and the response back.
 */

/** The file the CDK app bundles as the approval page's function. */
export const APPROVAL_PAGE_ENTRY = __filename;

/**
 * What the function touches; the CDK app grants exactly this, and, with the sign-in, read access
 * to the session secret (which only this function may read).
 */
export const APPROVAL_PAGE_NEEDS: TaskNeeds = { tables: { approvals: 'write' }, taskCallbacks: true };

/**
 * The sign-in settings the CDK app gives the approval function on top of every task's environment.
 * The three endpoints come together (Cognito's hosted domain) or not at all (discovered from the
 * issuer).
 */
export const SignInEnvironment = z
  .object({
    SIGN_IN_ISSUER: z.string().url(),
    SIGN_IN_CLIENT_ID: z.string().min(1),
    SIGN_IN_CALLBACK_URL: z.string().url(),
    SIGN_IN_AUTHORIZATION_ENDPOINT: z.string().url().optional(),
    SIGN_IN_TOKEN_ENDPOINT: z.string().url().optional(),
    SIGN_IN_JWKS_URI: z.string().url().optional(),
    SESSION_SECRET_ARN: z.string().startsWith('arn:'),
  })
  .refine(
    (e) => {
      const set = [e.SIGN_IN_AUTHORIZATION_ENDPOINT, e.SIGN_IN_TOKEN_ENDPOINT, e.SIGN_IN_JWKS_URI];
      const count = set.filter((v) => v !== undefined).length;
      return count === 0 || count === set.length;
    },
    {
      message: 'set all of SIGN_IN_AUTHORIZATION_ENDPOINT, SIGN_IN_TOKEN_ENDPOINT, SIGN_IN_JWKS_URI or none',
    },
  );

export interface ApprovalPageRuntime {
  deps: ApprovalPageDeps;
  signIn: ApproverSignIn;
}

/**
 * The handler, around whatever builds its dependencies once per cold start. A failed start (the
 * secret unreadable, say) is not cached: the next request tries again.
 */
export function approvalPageHandler(
  setup: () => Promise<ApprovalPageRuntime>,
): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> {
  let ready: Promise<ApprovalPageRuntime> | undefined;
  return async (event) => {
    ready ??= setup().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    const { deps, signIn } = await ready;
    const headers = lowerCased(event.headers);
    const request = {
      method: event.requestContext.http.method,
      path: withoutStage(event.rawPath, event.requestContext.stage),
      query: new URLSearchParams(event.rawQueryString ?? ''),
      headers,
      cookies: readCookies(event.cookies, headers.cookie),
    };
    if (signIn.handles(request)) return toResult(await signIn.handle(request));
    const identity = signIn.identify(request);
    if (signIn.needsSignIn(request, identity)) return toResult(await signIn.redirectToIssuer(request.path));
    const response = await handleApprovalRequest(
      {
        method: request.method,
        path: request.path,
        headers,
        body: event.body
          ? event.isBase64Encoded
            ? Buffer.from(event.body, 'base64').toString('utf8')
            : event.body
          : '',
        identity,
      },
      deps,
      { signInUrl: (next) => `${SIGN_IN_PATH}?next=${encodeURIComponent(next)}` },
    );
    return toResult({ ...response, cookies: [] });
  };
}

export const handler = approvalPageHandler(async () => setupFromEnvironment());

/** Dependencies from the Lambda environment, and the session key from Secrets Manager. */
export async function setupFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): Promise<ApprovalPageRuntime> {
  const deps = depsFromEnvironment(env);
  const parsed = SignInEnvironment.safeParse(env);
  if (!parsed.success) {
    throw new EnvironmentError(
      `the approval page's sign-in settings are invalid:\n${describeIssues(parsed.error)}`,
    );
  }
  const e = parsed.data;
  const { securityAccountId, homeRegion } = deps.config.organization;
  const secrets = deps.clients.client(SecretsManagerClient, {
    account: securityAccountId,
    region: homeRegion,
  });
  const secret = await secrets.send(new GetSecretValueCommand({ SecretId: e.SESSION_SECRET_ARN }));
  if (!secret.SecretString) {
    throw new SignInConfigurationError(`the session secret ${e.SESSION_SECRET_ARN} holds no string`);
  }
  const oidc = new OidcClient({
    issuer: e.SIGN_IN_ISSUER,
    clientId: e.SIGN_IN_CLIENT_ID,
    redirectUri: e.SIGN_IN_CALLBACK_URL,
    endpoints:
      e.SIGN_IN_AUTHORIZATION_ENDPOINT && e.SIGN_IN_TOKEN_ENDPOINT && e.SIGN_IN_JWKS_URI
        ? {
            authorization: e.SIGN_IN_AUTHORIZATION_ENDPOINT,
            token: e.SIGN_IN_TOKEN_ENDPOINT,
            jwks: e.SIGN_IN_JWKS_URI,
          }
        : undefined,
  });
  return { deps, signIn: new ApproverSignIn(oidc, new CookieSealer(secret.SecretString), deps) };
}

function toResult(response: {
  status: number;
  headers: Record<string, string>;
  cookies: string[];
  body: string;
}): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: response.status,
    headers: response.headers,
    ...(response.cookies.length > 0 ? { cookies: response.cookies } : {}),
    body: response.body,
  };
}

/** A named stage prefixes rawPath (`/prod/approvals/…`); the `$default` stage does not. */
function withoutStage(rawPath: string, stage: string): string {
  const prefix = `/${stage}`;
  return stage !== '$default' && (rawPath === prefix || rawPath.startsWith(`${prefix}/`))
    ? rawPath.slice(prefix.length) || '/'
    : rawPath;
}

function lowerCased(
  headers: Record<string, string | undefined> | undefined,
): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
}
