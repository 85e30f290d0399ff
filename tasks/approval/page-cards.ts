import { severityBand } from '../response/policy';
import { escapeHtml } from '../shared/escape-html';
import type { ApprovalRequest } from './contract';
import { csrfToken } from './csrf';
import {
  AlreadyDecidedError,
  ApprovalExpiredError,
  ApprovalNotFoundError,
  type ApprovalPageError,
  CsrfTokenMismatchError,
  MalformedApprovalIdError,
  MethodNotAllowedError,
  NotSignedInError,
} from './errors';
import { renderDocument, securityHeaders } from './html';
import type { ApprovalHttpResponse, ApprovalPageOptions, ApprovalState, ApproverIdentity } from './page';
import type { ApprovalRecord, DeliveryStatus } from './store';

/**
 * The approval page's HTML: the cards a pending approval shows (the finding, the exact action,
 * the decision form), the result of a decision, and the error pages. Every value that came from a
 * finding or a person goes through escapeHtml. Routing and decisions are in `page.ts`.
 */

export const MAX_REASON_CHARS = 500;

export function page(
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

export function titleOf(request: ApprovalRequest): string {
  const [first] = request.addresses;
  return request.addresses.length === 1 && first
    ? `Block ${first.cidr}?`
    : `Block ${request.addresses.length} addresses?`;
}

export function banner(record: ApprovalRecord, state: ApprovalState, now: Date): string {
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

export function findingCard(request: ApprovalRequest): string {
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

export function actionCard(request: ApprovalRequest, now: Date): string {
  const addresses = request.addresses
    .map((a) => `<tr><td>${address(a.cidr)}</td><td>${escapeHtml(a.reason)}</td></tr>`)
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
  // One list per address rather than a six-column table, which a phone cannot show.
  const rules = request.addresses
    .map(
      (a) => `<dl class="rule">
<dt>Direction</dt><dd>inbound</dd><dt>Action</dt><dd>DENY</dd><dt>Protocol</dt><dd>all (-1)</dd><dt>Ports</dt><dd>all</dd>
<dt>Source</dt><dd>${address(a.cidr)}</dd>
<dt>Rule number</dt><dd>${escapeHtml(ruleNumberText(band))}</dd>
</dl>`,
    )
    .join('');
  const entries = request.addresses.length * request.nacls.length;
  const until = new Date(now.getTime() + request.blockMinutes * 60_000).toISOString();
  return `<section class="card"><h2>What Warden will do if you approve</h2>
<h3>Addresses to deny</h3>
<div class="scroll"><table><thead><tr><th>Address</th><th>Why</th></tr></thead><tbody>${addresses}</tbody></table></div>
<h3>Network ACLs to change</h3>
<div class="scroll"><table><thead><tr><th>Network ACL</th><th>VPC</th><th>Subnets</th></tr></thead><tbody>${nacls}</tbody></table></div>
<h3>The rule added to each network ACL</h3>
${rules}
<p class="muted">${entries} ${entries === 1 ? 'entry' : 'entries'} in total, in Warden's reserved rule band ${escapeHtml(band)}, evaluated before your own rules. Warden never changes entries it did not create.</p>
<h3>How long</h3>
<p>The block lasts <strong>${escapeHtml(duration(request.blockMinutes))}</strong> from when it is applied (until about ${time(until)} if approved now); then Warden removes it by itself.</p>
</section>`;
}

/**
 * How the rule number is chosen, as `allocateRuleNumber` (tasks/response/rule-allocator.ts)
 * chooses it: not the lowest free number, but the first free one from a place in the band that
 * each block draws from its id (so that blocks made at the same moment rarely pick the same
 * number), below any ALLOW rule that covers the address. It is known only when the entry is
 * written, and may differ from one network ACL to the next.
 */
export function ruleNumberText(band: string): string {
  return `chosen when the block is applied: a free number in ${band}, from a place in the band that differs for each block, and below any ALLOW rule that covers the address; it may differ between network ACLs, and the execution history (warden audit) records it`;
}

/** An address, which never breaks inside (an IPv4 address split over two lines reads as two). */
function address(cidr: string): string {
  return `<code class="addr">${escapeHtml(cidr)}</code>`;
}

export function decisionCard(
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
<p class="muted">You decide as <strong>${escapeHtml(identity.name)}</strong>. Your name, the time and the reason are recorded in the execution history. A decision is final.</p>${
    options.signOutPath
      ? `\n<form method="post" action="${escapeHtml(options.signOutPath)}"><button type="submit" class="plain" id="sign-out">Sign out</button></form>`
      : ''
  }
</section>`;
}

export function resultPage(
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

export function errorPage(
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
