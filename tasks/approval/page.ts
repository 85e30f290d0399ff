import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import type { TaskDeps } from '../shared/task';
import { APPROVAL_REJECTED, type ApprovalDecision, type RejectionCause } from './contract';
import { verifyCsrfToken } from './csrf';
import {
  AlreadyDecidedError,
  ApprovalExpiredError,
  ApprovalNotFoundError,
  ApprovalPageError,
  CsrfTokenMismatchError,
  InvalidApprovalFormError,
  MalformedApprovalIdError,
  MethodNotAllowedError,
  NotSignedInError,
} from './errors';
import {
  actionCard,
  banner,
  decisionCard,
  errorPage,
  findingCard,
  MAX_REASON_CHARS,
  page,
  resultPage,
  titleOf,
} from './page-cards';
import {
  APPROVAL_ID_PATTERN,
  type ApprovalRecord,
  ApprovalStore,
  type Decision,
  type DeliveryStatus,
} from './store';

export { duration, MAX_REASON_CHARS } from './page-cards';

/**
 * The approval page as a framework-free request handler (routing and decisions; the HTML is in
 * `page-cards.ts`): API Gateway's Lambda adapter
 * (`lambda.ts`) and the local runtime's HTTP server (`runtime/http-server.ts`) both translate
 * their requests into `ApprovalHttpRequest` and send back the `ApprovalHttpResponse`.
 *
 *   GET  /approvals/{id}           shows the finding and the exact action; never changes anything,
 *                                  so mail scanners and link-prefetching clients decide nothing
 *   POST /approvals/{id}/approve   records the decision once, then SendTaskSuccess
 *   POST /approvals/{id}/reject    records the decision once, then SendTaskFailure(ApprovalRejected)
 */
export interface ApproverIdentity {
  /** Who decides, as the authorizer (or the local sign-in) vouches for it. */
  name: string;
}

export interface ApprovalHttpRequest {
  method: string;
  /** The path without query string and without any API stage prefix, e.g. `/approvals/abc…`. */
  path: string;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The raw body; the forms post `application/x-www-form-urlencoded`. */
  body: string;
  identity: ApproverIdentity | null;
}

export interface ApprovalHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface ApprovalPageOptions {
  /** Where a visitor who is not signed in can sign in (the local runtime); AWS's authorizer needs none. */
  signInUrl?: (returnTo: string) => string;
  /** Where the signed-in approver's "Sign out" button posts (AWS); the local runtime has its own. */
  signOutPath?: string;
}

export type ApprovalPageDeps = Pick<TaskDeps, 'clients' | 'config' | 'tables' | 'now' | 'logger'>;

const MAX_BODY_BYTES = 16 * 1024;
/** Step Functions' answers that mean nobody waits for this token any more. */
const WORKFLOW_GONE_ERRORS = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

const DecisionForm = z.object({
  csrf: z.string().max(200).nullable(),
  reason: z
    .string()
    .transform((s) => s.trim())
    .pipe(z.string().max(MAX_REASON_CHARS, `the reason must be at most ${MAX_REASON_CHARS} characters`)),
});

type Route =
  | { kind: 'view'; approvalId: string }
  | { kind: 'decide'; approvalId: string; decision: Decision };

export async function handleApprovalRequest(
  request: ApprovalHttpRequest,
  deps: ApprovalPageDeps,
  options: ApprovalPageOptions = {},
): Promise<ApprovalHttpResponse> {
  const identity = cleanIdentity(request.identity);
  try {
    const route = routeOf(request.method, request.path);
    const store = ApprovalStore.fromDeps(deps);
    const response =
      route.kind === 'view'
        ? await view(route.approvalId, identity, store, deps, options)
        : await decide(route, request, identity, store, deps);
    return request.method.toUpperCase() === 'HEAD' ? { ...response, body: '' } : response;
  } catch (error) {
    if (error instanceof ApprovalPageError) return errorPage(error, identity, request.path, options);
    deps.logger.error('the approval page failed', {
      error: (error as Error).name,
      message: (error as Error).message,
    });
    return page(500, identity, 'Something went wrong', [
      '<div class="banner bad"><h1>Something went wrong</h1>',
      '<p>Warden could not handle this request. Nothing was decided. Try again in a moment.</p></div>',
    ]);
  }
}

function routeOf(method: string, path: string): Route {
  const match = /^\/approvals\/([^/]*)(?:\/([^/]*))?$/.exec(path);
  if (!match) throw new ApprovalNotFoundError(`there is no page at ${path}`);
  const [, approvalId = '', action] = match;
  if (!APPROVAL_ID_PATTERN.test(approvalId)) {
    throw new MalformedApprovalIdError('this link does not hold a valid approval id');
  }
  const verb = method.toUpperCase();
  if (action === undefined) {
    if (verb !== 'GET' && verb !== 'HEAD')
      throw new MethodNotAllowedError(`${verb} is not allowed here`, 'GET, HEAD');
    return { kind: 'view', approvalId };
  }
  if (action !== 'approve' && action !== 'reject')
    throw new ApprovalNotFoundError(`there is no page at ${path}`);
  // A GET of a decision URL (a prefetch, a pasted link) must never decide.
  if (verb !== 'POST')
    throw new MethodNotAllowedError(`${verb} is not allowed here; decisions are POSTs`, 'POST');
  return { kind: 'decide', approvalId, decision: action === 'approve' ? 'APPROVED' : 'REJECTED' };
}

async function view(
  approvalId: string,
  identity: ApproverIdentity | null,
  store: ApprovalStore,
  deps: ApprovalPageDeps,
  options: ApprovalPageOptions,
): Promise<ApprovalHttpResponse> {
  const record = await store.get(approvalId);
  if (!record) throw new ApprovalNotFoundError(`approval ${approvalId} does not exist`);
  const now = deps.now();
  const state = stateOf(record, now);
  const status = state === 'pending' ? 200 : state === 'expired' ? 410 : 409;
  return page(status, identity, titleOf(record.request), [
    banner(record, state, now),
    findingCard(record.request),
    actionCard(record.request, now),
    state === 'pending' ? decisionCard(record, identity, options, `/approvals/${approvalId}`) : '',
  ]);
}

async function decide(
  route: Extract<Route, { kind: 'decide' }>,
  request: ApprovalHttpRequest,
  identity: ApproverIdentity | null,
  store: ApprovalStore,
  deps: ApprovalPageDeps,
): Promise<ApprovalHttpResponse> {
  if (!identity) throw new NotSignedInError('sign in to approve or reject');
  if (request.headers['sec-fetch-site'] === 'cross-site') {
    throw new CsrfTokenMismatchError('a decision cannot be posted from another site');
  }
  const form = readForm(request.body);
  const record = await store.get(route.approvalId);
  if (!record) throw new ApprovalNotFoundError(`approval ${route.approvalId} does not exist`);
  if (!verifyCsrfToken(record.csrfNonce, record.pk, identity.name, form.csrf)) {
    throw new CsrfTokenMismatchError('the form was not issued to you for this approval');
  }

  let decided: ApprovalRecord;
  if (record.status !== 'PENDING') {
    decided = await claimRedelivery(record, route.decision, store);
  } else {
    if (stateOf(record, deps.now()) === 'expired') {
      throw new ApprovalExpiredError(
        `approval ${record.pk} expired at ${record.expiresAt}`,
        record.expiresAt,
      );
    }
    decided = await store.decide(record.pk, {
      status: route.decision,
      decidedBy: identity.name,
      reason: form.reason,
    });
  }
  deps.logger.info('approval decided', {
    approvalId: decided.pk,
    decision: decided.status,
    decidedBy: decided.decidedBy,
    executionArn: decided.executionArn,
  });
  const delivery = await deliver(decided, deps);
  await store.setDelivery(decided.pk, delivery, 'PENDING');
  return resultPage(decided, delivery, identity);
}

/**
 * A decision whose callback failed may be sent again by pressing the same button; anything
 * else about a decided approval is a replay and is refused.
 */
async function claimRedelivery(record: ApprovalRecord, wanted: Decision, store: ApprovalStore) {
  const decided = record.status as Decision;
  const retry = decided === wanted && record.delivery === 'FAILED';
  if (retry && (await store.setDelivery(record.pk, 'PENDING', 'FAILED'))) return record;
  throw new AlreadyDecidedError(`approval ${record.pk} was already ${decided.toLowerCase()}`, {
    status: decided,
    decidedBy: record.decidedBy,
    decidedAt: record.decidedAt,
  });
}

async function deliver(record: ApprovalRecord, deps: ApprovalPageDeps): Promise<DeliveryStatus> {
  const sfn = deps.clients.client(SFNClient, {
    account: deps.config.organization.securityAccountId,
    region: deps.config.organization.homeRegion,
  });
  const decidedBy = record.decidedBy ?? '';
  const decidedAt = record.decidedAt ?? '';
  const reason = record.reason ?? '';
  try {
    if (record.status === 'APPROVED') {
      const output: ApprovalDecision = {
        approved: true,
        approvalId: record.pk,
        approver: decidedBy,
        decidedAt,
        reason,
      };
      await sfn.send(
        new SendTaskSuccessCommand({ taskToken: record.taskToken, output: JSON.stringify(output) }),
      );
    } else {
      const cause: RejectionCause = { approvalId: record.pk, approver: decidedBy, decidedAt, reason };
      await sfn.send(
        new SendTaskFailureCommand({
          taskToken: record.taskToken,
          error: APPROVAL_REJECTED,
          cause: JSON.stringify(cause),
        }),
      );
    }
    return 'DELIVERED';
  } catch (error) {
    const e = error as Error;
    if (WORKFLOW_GONE_ERRORS.has(e.name)) return 'WORKFLOW_GONE';
    // The message is Step Functions'; redact the token in case a service ever echoes it.
    deps.logger.error('could not pass the decision to the workflow', {
      approvalId: record.pk,
      error: e.name,
      message: String(e.message).split(record.taskToken).join('[task token]'),
    });
    return 'FAILED';
  }
}

function readForm(body: string): z.infer<typeof DecisionForm> {
  if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) {
    throw new InvalidApprovalFormError(`the form is larger than ${MAX_BODY_BYTES} bytes`);
  }
  const params = new URLSearchParams(body);
  const parsed = DecisionForm.safeParse({ csrf: params.get('csrf'), reason: params.get('reason') ?? '' });
  if (!parsed.success) {
    throw new InvalidApprovalFormError(parsed.error.issues.map((i) => i.message).join('; '));
  }
  return parsed.data;
}

/** An identity the page can print and bind a CSRF token to; anything else counts as signed out. */
function cleanIdentity(identity: ApproverIdentity | null): ApproverIdentity | null {
  const name = identity?.name?.trim();
  if (!name || name.length > 256 || /\p{Cc}/u.test(name)) return null;
  return { name };
}

export type ApprovalState = 'pending' | 'expired' | 'decided';

function stateOf(record: ApprovalRecord, now: Date): ApprovalState {
  if (record.status !== 'PENDING') return 'decided';
  return Date.parse(record.expiresAt) <= now.getTime() ? 'expired' : 'pending';
}
