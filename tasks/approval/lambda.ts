import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { depsFromEnvironment } from '../shared/lambda';
import type { TaskDeps, TaskNeeds } from '../shared/task';
import { type ApproverIdentity, handleApprovalRequest } from './page';

/**
 * The approval page behind API Gateway (HTTP API, payload format 2.0, JWT authorizer). This file
 * only translates: the event into an `ApprovalHttpRequest`, the authorizer's claims into the
 * approver's identity, and the response back.
 */

/** The file the CDK app bundles as the approval page's function. */
export const APPROVAL_PAGE_ENTRY = __filename;

/** What the function touches; the CDK app grants exactly this. */
export const APPROVAL_PAGE_NEEDS: TaskNeeds = { tables: { approvals: 'write' }, taskCallbacks: true };

let deps: TaskDeps | undefined;

export async function handler(
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
): Promise<APIGatewayProxyStructuredResultV2> {
  deps ??= depsFromEnvironment();
  const response = await handleApprovalRequest(
    {
      method: event.requestContext.http.method,
      path: withoutStage(event.rawPath, event.requestContext.stage),
      headers: lowerCased(event.headers),
      body: event.body
        ? event.isBase64Encoded
          ? Buffer.from(event.body, 'base64').toString('utf8')
          : event.body
        : '',
      identity: identityOf(event),
    },
    deps,
  );
  return { statusCode: response.status, headers: response.headers, body: response.body };
}

/**
 * The approver as the JWT authorizer verified them: e-mail when the token carries one (what
 * people recognise in the audit trail), else the Cognito user name, else the subject.
 */
export function identityOf(
  event: Pick<APIGatewayProxyEventV2WithJWTAuthorizer, 'requestContext'>,
): ApproverIdentity | null {
  const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
  for (const key of ['email', 'cognito:username', 'sub']) {
    const value = claims[key];
    if (typeof value === 'string' && value.trim() !== '') return { name: value.trim() };
  }
  return null;
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
