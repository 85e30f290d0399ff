import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { describeIssues } from '../../config/issues';
import { TASK_VARIABLES } from '../shared/environment';
import { depsFromEnvironment, EnvironmentError } from '../shared/lambda';
import { defineFunction } from '../shared/task';
import { ApproverSignIn, type Identified, SIGN_IN_PATH, SIGN_OUT_PATH } from './approver-sign-in';
import { SignInConfigurationError } from './errors';
import { OidcClient } from './oidc-client';
import { type ApprovalPageDeps, handleApprovalRequest } from './page';
import { CookieSealer, RotatingCookieSealer, readCookies } from './sealed-cookies';

/**
 * The approval page behind API Gateway (HTTP API, payload format 2.0, no authorizer: the function
 * signs approvers in itself, see `approver-sign-in.ts`). This file only translates: the event into
 * a sign-in step or an `ApprovalHttpRequest` with the session's approver, and the response back.
 */

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
    SIGN_IN_USERINFO_ENDPOINT: z.string().url().optional(),
    SIGN_IN_END_SESSION_ENDPOINT: z.string().url().optional(),
    /** How the function authenticates at the token endpoint. */
    SIGN_IN_CLIENT_AUTH: z.enum(['none', 'client_secret_basic', 'private_key_jwt']).default('none'),
    /** The secret holding the client secret, or the PEM private key for private_key_jwt. */
    SIGN_IN_CLIENT_SECRET_ARN: z.string().startsWith('arn:').optional(),
    SIGN_IN_CLIENT_KEY_ID: z.string().min(1).optional(),
    SIGN_IN_IDENTITY_CLAIM: z.string().min(1).default('email'),
    SIGN_IN_SCOPES: z.string().min(1).optional(),
    SESSION_SECRET_ARN: z.string().startsWith('arn:'),
  })
  .refine((e) => e.SIGN_IN_CLIENT_AUTH === 'none' || e.SIGN_IN_CLIENT_SECRET_ARN !== undefined, {
    message: 'SIGN_IN_CLIENT_AUTH client_secret_basic and private_key_jwt need SIGN_IN_CLIENT_SECRET_ARN',
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

/**
 * The approval page's manifest: started by the approval API; reads the approvals table and its
 * sign-in settings; decides approvals (SendTask*) and reads the session key, which only this
 * function may read.
 */
export const approvalPageFunction = defineFunction({
  id: 'ApprovalPage',
  entry: __filename,
  trigger: { kind: 'http', api: 'approval' },
  environment: SignInEnvironment.extend({ APPROVALS_TABLE: TASK_VARIABLES.APPROVALS_TABLE }),
  needs: { tables: { approvals: 'write' }, taskCallbacks: true, secrets: { approvalSession: 'read' } },
});

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
    let identified: Identified;
    try {
      identified = await signIn.identify(request);
      if (signIn.needsSignIn(request, identified.identity)) {
        return toResult(await signIn.redirectToIssuer(request.path));
      }
    } catch (error) {
      // The issuer unreachable: the sign-in's own 502 page, not a bare 500 from API Gateway.
      return toResult(signIn.pageFor(error));
    }
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
        identity: identified.identity,
      },
      deps,
      {
        signInUrl: (next) => `${SIGN_IN_PATH}?next=${encodeURIComponent(next)}`,
        signOutPath: SIGN_OUT_PATH,
      },
    );
    return toResult({ ...response, cookies: identified.cookies });
  };
}

export const handler = approvalPageHandler(async () => setupFromEnvironment());

/** Dependencies from the Lambda environment, and the session key from Secrets Manager. */
export async function setupFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): Promise<ApprovalPageRuntime> {
  return setupApprovalPage(depsFromEnvironment(approvalPageFunction, env), env);
}

/**
 * The page's cold start with `deps` already built from the environment (their clients sign as
 * the function's role): the sign-in settings, and the session key and client secret read from
 * Secrets Manager.
 */
export async function setupApprovalPage(
  deps: ApprovalPageDeps,
  env: NodeJS.ProcessEnv | Readonly<Record<string, string>>,
): Promise<ApprovalPageRuntime> {
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
  const loadSealer = sessionKeyRing(secrets, e.SESSION_SECRET_ARN);
  const sealer = new RotatingCookieSealer(await loadSealer(), loadSealer);
  const clientSecret = e.SIGN_IN_CLIENT_SECRET_ARN
    ? await readSecret(secrets, e.SIGN_IN_CLIENT_SECRET_ARN, 'AWSCURRENT')
    : undefined;
  const oidc = new OidcClient({
    issuer: e.SIGN_IN_ISSUER,
    clientId: e.SIGN_IN_CLIENT_ID,
    redirectUri: e.SIGN_IN_CALLBACK_URL,
    identityClaim: e.SIGN_IN_IDENTITY_CLAIM,
    ...(e.SIGN_IN_SCOPES ? { scopes: e.SIGN_IN_SCOPES.split(' ') } : {}),
    clientAuthentication:
      e.SIGN_IN_CLIENT_AUTH === 'client_secret_basic'
        ? { method: 'client_secret_basic', clientSecret: clientSecret ?? '' }
        : e.SIGN_IN_CLIENT_AUTH === 'private_key_jwt'
          ? {
              method: 'private_key_jwt',
              privateKeyPem: clientSecret ?? '',
              ...(e.SIGN_IN_CLIENT_KEY_ID ? { keyId: e.SIGN_IN_CLIENT_KEY_ID } : {}),
            }
          : { method: 'none' },
    endpoints:
      e.SIGN_IN_AUTHORIZATION_ENDPOINT && e.SIGN_IN_TOKEN_ENDPOINT && e.SIGN_IN_JWKS_URI
        ? {
            authorization: e.SIGN_IN_AUTHORIZATION_ENDPOINT,
            token: e.SIGN_IN_TOKEN_ENDPOINT,
            jwks: e.SIGN_IN_JWKS_URI,
            ...(e.SIGN_IN_USERINFO_ENDPOINT ? { userinfo: e.SIGN_IN_USERINFO_ENDPOINT } : {}),
            ...(e.SIGN_IN_END_SESSION_ENDPOINT ? { endSession: e.SIGN_IN_END_SESSION_ENDPOINT } : {}),
          }
        : undefined,
  });
  return { deps, signIn: new ApproverSignIn(oidc, sealer, deps) };
}

/**
 * The cookie key ring from the session secret: seal with the current version, still open what the
 * previous one sealed (Secrets Manager keeps both stages while the secret rotates).
 */
export function sessionKeyRing(secrets: SecretsManagerClient, secretId: string): () => Promise<CookieSealer> {
  return async () => {
    const current = await readSecret(secrets, secretId, 'AWSCURRENT');
    const previous = await readSecret(secrets, secretId, 'AWSPREVIOUS');
    return new CookieSealer(
      previous !== undefined && previous !== current ? [current!, previous] : [current!],
    );
  };
}

async function readSecret(
  secrets: SecretsManagerClient,
  secretId: string,
  stage: 'AWSCURRENT' | 'AWSPREVIOUS',
): Promise<string | undefined> {
  try {
    const value = await secrets.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
    if (!value.SecretString) {
      throw new SignInConfigurationError(`the secret ${secretId} (${stage}) holds no string`);
    }
    return value.SecretString;
  } catch (error) {
    // A secret never rotated has no AWSPREVIOUS version.
    if (stage === 'AWSPREVIOUS' && (error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
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
