import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { severityBand } from '../response/policy';
import type { TaskDeps } from '../shared/task';
import {
  APPROVAL_REJECTED,
  type ApprovalDecision,
  type ApprovalRequest,
  type RejectionCause,
} from './contract';
import { csrfToken, verifyCsrfToken } from './csrf';
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
import { escapeHtml, renderDocument, securityHeaders } from './html';
import {
  APPROVAL_ID_PATTERN,
  type ApprovalRecord,
  ApprovalStore,
  type Decision,
  type DeliveryStatus,
} from './store';

/**
 * The approval page as a framework-free request handler: API Gateway's Lambda adapter
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
}

export type ApprovalPageDeps = Pick<TaskDeps, 'clients' | 'config' | 'tables' | 'now' | 'logger'>;

export const MAX_REASON_CHARS = 500;
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

type ApprovalState = 'pending' | 'expired' | 'decided';

function stateOf(record: ApprovalRecord, now: Date): ApprovalState {
  if (record.status !== 'PENDING') return 'decided';
  return Date.parse(record.expiresAt) <= now.getTime() ? 'expired' : 'pending';
}

// ---------------------------------------------------------------------------------------------
// Rendering. Every value that came from a finding or a person goes through escapeHtml.

function page(
  status: number,
  identity: ApproverIdentity | null,
  title: string,
  parts: string[],
  extraHeaders: Record<string, string> = {},
): ApprovalHttpResponse {
  return {
    status,
    headers: { ...securityHeaders(), ...extraHeaders },
    body: renderDocument({ title, main: parts.filter(Boolean).join('\n'), signedInAs: identity?.name }),
  };
}

function titleOf(request: ApprovalRequest): string {
  const [first] = request.addresses;
  return request.addresses.length === 1 && first
    ? `Block ${first.cidr}?`
    : `Block ${request.addresses.length} addresses?`;
}

function banner(record: ApprovalRecord, state: ApprovalState, now: Date): string {
  const request = record.request;
  const dryRun = request.dryRun
    ? '<div class="banner info"><strong>Dry run.</strong> Warden will record the decision but change no network ACL.</div>'
    : '';
  if (state === 'decided') {
    const verb = record.status === 'APPROVED' ? 'approved' : 'rejected';
    return `${dryRun}<div class="banner ${record.status === 'APPROVED' ? 'ok' : 'bad'}">
<h1>Already ${verb}</h1>
<p>${escapeHtml(record.decidedBy ?? 'Someone')} ${verb} this block at ${time(record.decidedAt ?? '')}.${reasonText(record.reason)}</p>
<p class="muted">A decision is final; this page can no longer change it.</p></div>`;
  }
  if (state === 'expired') {
    return `${dryRun}<div class="banner warn"><h1>This approval has expired</h1>
<p>Nobody decided before ${time(record.expiresAt)}. ${escapeHtml(onTimeoutText(request))}</p>
<p class="muted">Nothing can be decided from this page any more.</p></div>`;
  }
  return `${dryRun}<div class="card"><h1>${escapeHtml(titleOf(request))}</h1>
<p class="lead">GuardDuty reported an attack on an instance. Warden proposes to deny the attacker's
${request.addresses.length === 1 ? 'address' : 'addresses'} in the network ACL of every subnet the instance is in, and asks you to decide.</p>
<p>This approval expires at <strong>${time(record.expiresAt)}</strong> (${escapeHtml(relative(record.expiresAt, now))}). ${escapeHtml(onTimeoutText(request))}</p></div>`;
}

function findingCard(request: ApprovalRequest): string {
  const band = severityBand(request.severity);
  return `<section class="card"><h2>The finding</h2><dl>
<dt>Type</dt><dd><code>${escapeHtml(request.findingType)}</code></dd>
<dt>Severity</dt><dd>${escapeHtml(request.severity.toFixed(1))} <span class="badge ${band.toLowerCase()}">${escapeHtml(capitalise(band))}</span></dd>
<dt>Account</dt><dd><code>${escapeHtml(request.accountId)}</code></dd>
<dt>Region</dt><dd><code>${escapeHtml(request.region)}</code></dd>
<dt>Instance</dt><dd>${request.instanceId ? `<code>${escapeHtml(request.instanceId)}</code>` : 'none named in the finding'}</dd>
<dt>Finding id</dt><dd><code>${escapeHtml(request.findingId)}</code></dd>
</dl></section>`;
}

function actionCard(request: ApprovalRequest, now: Date): string {
  const addresses = request.addresses
    .map((a) => `<tr><td><code>${escapeHtml(a.cidr)}</code></td><td>${escapeHtml(a.reason)}</td></tr>`)
    .join('');
  const nacls = request.nacls
    .map((n) => {
      const shared =
        n.subnetIds.length > 1
          ? `<br><span class="muted">shared by ${n.subnetIds.length} subnets: the block applies to all of them</span>`
          : '';
      const subnets = n.subnetIds.map((s) => `<code>${escapeHtml(s)}</code>`).join(' ');
      return `<tr><td><code>${escapeHtml(n.naclId)}</code></td><td><code>${escapeHtml(n.vpcId)}</code></td><td>${subnets}${shared}</td></tr>`;
    })
    .join('');
  const band = `${request.ruleBand.start}–${request.ruleBand.end}`;
  const rules = request.addresses
    .map(
      (a) =>
        `<tr class="rule"><td>inbound</td><td>DENY</td><td>all (-1)</td><td>all</td><td>${escapeHtml(a.cidr)}</td><td>lowest free in ${escapeHtml(band)}</td></tr>`,
    )
    .join('');
  const entries = request.addresses.length * request.nacls.length;
  const until = new Date(now.getTime() + request.blockMinutes * 60_000).toISOString();
  return `<section class="card"><h2>What Warden will do if you approve</h2>
<h3>Addresses to deny</h3>
<table><thead><tr><th>Address</th><th>Why</th></tr></thead><tbody>${addresses}</tbody></table>
<h3>Network ACLs to change</h3>
<table><thead><tr><th>Network ACL</th><th>VPC</th><th>Subnets</th></tr></thead><tbody>${nacls}</tbody></table>
<h3>The rule added to each network ACL</h3>
<table><thead><tr><th>Direction</th><th>Action</th><th>Protocol</th><th>Ports</th><th>Source</th><th>Rule number</th></tr></thead><tbody>${rules}</tbody></table>
<p class="muted">${entries} ${entries === 1 ? 'entry' : 'entries'} in total, in Warden's reserved rule band ${escapeHtml(band)}, evaluated before your own rules. Warden never changes entries it did not create.</p>
<h3>How long</h3>
<p>The block lasts <strong>${escapeHtml(duration(request.blockMinutes))}</strong> from when it is applied (until about ${time(until)} if approved now); then Warden removes it by itself.</p>
</section>`;
}

function decisionCard(
  record: ApprovalRecord,
  identity: ApproverIdentity | null,
  options: ApprovalPageOptions,
  path: string,
): string {
  if (!identity) {
    const signIn = options.signInUrl
      ? `<p><a href="${escapeHtml(options.signInUrl(path))}">Sign in to approve or reject</a></p>`
      : '<p>Sign in to approve or reject.</p>';
    return `<section class="card"><h2>Your decision</h2>${signIn}</section>`;
  }
  const id = encodeURIComponent(record.pk);
  return `<section class="card"><h2>Your decision</h2>
<form method="post" action="${id}/approve">
<input type="hidden" name="csrf" value="${escapeHtml(csrfToken(record.csrfNonce, record.pk, identity.name))}">
<label for="reason">Reason <span class="muted">(optional, up to ${MAX_REASON_CHARS} characters)</span></label>
<textarea id="reason" name="reason" maxlength="${MAX_REASON_CHARS}"></textarea>
<div class="actions">
<button type="submit" class="approve" id="approve">Approve the block</button>
<button type="submit" class="reject" id="reject" formaction="${id}/reject">Reject</button>
</div>
</form>
<p class="muted">You decide as <strong>${escapeHtml(identity.name)}</strong>. Your name, the time and the reason are recorded in the execution history. A decision is final.</p>
</section>`;
}

function resultPage(
  record: ApprovalRecord,
  delivery: DeliveryStatus,
  identity: ApproverIdentity,
): ApprovalHttpResponse {
  const request = record.request;
  const approved = record.status === 'APPROVED';
  const verb = approved ? 'approved' : 'rejected';
  const recorded = `<p>${escapeHtml(record.decidedBy ?? identity.name)} ${verb} at ${time(record.decidedAt ?? '')}.${reasonText(record.reason)}</p>`;
  if (delivery === 'WORKFLOW_GONE') {
    return page(410, identity, 'The workflow no longer waits', [
      `<div class="banner warn"><h1>The workflow no longer waits for this decision</h1>${recorded}
<p>Your decision was recorded, but the response workflow had already stopped waiting (it timed out or was stopped), so it did not change anything. ${escapeHtml(onTimeoutText(request))}</p></div>`,
      findingCard(request),
    ]);
  }
  if (delivery === 'FAILED') {
    const action = approved ? 'approve' : 'reject';
    return page(502, identity, 'Decision not passed on', [
      `<div class="banner bad"><h1>Your decision was recorded but not passed on</h1>${recorded}
<p>Warden could not reach the workflow. Press the button to try again; nobody else can change the decision meanwhile.</p>
<form method="post" action="${action}"><input type="hidden" name="csrf" value="${escapeHtml(csrfToken(record.csrfNonce, record.pk, identity.name))}">
<div class="actions"><button type="submit" class="plain">Send the decision again</button></div></form></div>`,
    ]);
  }
  const what = approved
    ? request.dryRun
      ? 'This is a dry run: Warden records the block it would make and changes no network ACL.'
      : `The workflow goes on to add the block: ${request.addresses.length * request.nacls.length} network ACL ${request.addresses.length * request.nacls.length === 1 ? 'entry' : 'entries'}, removed after ${duration(request.blockMinutes)}. The notifications say when it is in place.`
    : 'Nothing will be blocked for this finding.';
  return page(200, identity, approved ? 'Approved' : 'Rejected', [
    `<div class="banner ${approved ? 'ok' : 'bad'}"><h1>${approved ? 'Approved' : 'Rejected'}</h1>${recorded}<p>${escapeHtml(what)}</p></div>`,
    findingCard(request),
  ]);
}

function errorPage(
  error: ApprovalPageError,
  identity: ApproverIdentity | null,
  path: string,
  options: ApprovalPageOptions,
): ApprovalHttpResponse {
  const [title, text] = explain(error);
  const signIn =
    error instanceof NotSignedInError && options.signInUrl
      ? `<p><a href="${escapeHtml(options.signInUrl(path.replace(/\/(approve|reject)$/, '')))}">Sign in</a></p>`
      : '';
  const headers: Record<string, string> =
    error instanceof MethodNotAllowedError ? { allow: error.allow } : {};
  return page(
    error.status,
    identity,
    title,
    [
      `<div class="banner ${error.status === 409 ? 'info' : 'bad'}"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>${signIn}<p class="muted">Nothing was changed.</p></div>`,
    ],
    headers,
  );
}

function explain(error: ApprovalPageError): [string, string] {
  if (error instanceof MalformedApprovalIdError) {
    return [
      'This link is not valid',
      'The address does not hold a valid approval id. Copy the whole link from the notification.',
    ];
  }
  if (error instanceof ApprovalNotFoundError) {
    return [
      'No such approval',
      'Warden has no approval at this address. It may be mistyped, or so old that it was removed.',
    ];
  }
  if (error instanceof NotSignedInError)
    return ['Sign in first', 'Only a signed-in approver can approve or reject.'];
  if (error instanceof CsrfTokenMismatchError) {
    return [
      'This form cannot be accepted',
      'The form was not issued to you for this approval. Open the approval link again and decide from there.',
    ];
  }
  if (error instanceof AlreadyDecidedError) {
    const { status, decidedBy, decidedAt } = error.decision;
    return [
      'Already decided',
      `${decidedBy ?? 'Someone'} ${status === 'APPROVED' ? 'approved' : 'rejected'} this at ${decidedAt ? plainTime(decidedAt) : 'an earlier time'}. A decision can be made only once.`,
    ];
  }
  if (error instanceof ApprovalExpiredError) {
    return [
      'This approval has expired',
      `Nobody decided before ${plainTime(error.expiresAt)}; the workflow followed its policy for an approval nobody decided.`,
    ];
  }
  if (error instanceof MethodNotAllowedError) {
    return ['Not here', 'Open the approval link and use the buttons on the page to decide.'];
  }
  return ['The form cannot be accepted', error.message];
}

function onTimeoutText(request: ApprovalRequest): string {
  return request.onTimeout === 'block'
    ? 'If nobody decides in time, Warden blocks anyway.'
    : 'If nobody decides in time, nothing is blocked.';
}

function reasonText(reason: string | undefined): string {
  return reason ? ` Reason: “${escapeHtml(reason)}”` : ' No reason given.';
}

function time(iso: string): string {
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(plainTime(iso))}</time>`;
}

/** `2026-01-01 01:00 UTC`: approvers sit in many time zones, so say which one. */
function plainTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function relative(iso: string, now: Date): string {
  const minutes = Math.round((Date.parse(iso) - now.getTime()) / 60_000);
  return minutes <= 0 ? 'now' : `in ${duration(minutes)}`;
}

/** `90` → `1 hour 30 minutes`, `1440` → `1 day`. */
export function duration(totalMinutes: number): string {
  const days = Math.floor(totalMinutes / 1440);
  const hours = Math.floor((totalMinutes % 1440) / 60);
  const minutes = totalMinutes % 60;
  const parts = [
    [days, 'day'],
    [hours, 'hour'],
    [minutes, 'minute'],
  ] as const;
  const text = parts
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n} ${unit}${n === 1 ? '' : 's'}`)
    .join(' ');
  return text || 'less than a minute';
}

function capitalise(word: string): string {
  return word.charAt(0) + word.slice(1).toLowerCase();
}
