import type { AuditStory } from '../../audit/model';
import { duration } from '../../audit/render/cells';
import { storySection } from '../../audit/render/html';
import { renderDocument } from '../../tasks/approval/html';
import { escapeHtml as e } from '../../tasks/shared/escape-html';
import type {
  ApprovalRow,
  BlockRow,
  ConsoleView,
  CoverageStatus,
  CoverageView,
  ExecutionRef,
  ExecutionRow,
  NotificationRow,
  Readout,
} from './model';
import { CONSOLE_STYLE } from './style';

/**
 * The console's HTML, from a ConsoleView and nothing else. Account names, finding types and
 * execution names can be chosen by whoever creates an account or provokes a finding, so every
 * value goes through `escapeHtml`; the page holds no script and no form, only links.
 */

export const CONSOLE_PATH = '/console';

export function storyHref(ref: ExecutionRef): string {
  return `${CONSOLE_PATH}/executions/${encodeURIComponent(ref.stateMachine)}/${encodeURIComponent(ref.name)}`;
}

/** The approval page, never the task token: the approval id is what the notification links to. */
export function approvalHref(approvalId: string): string {
  return `/approvals/${encodeURIComponent(approvalId)}`;
}

export function renderConsole(view: ConsoleView): string {
  const { settings } = view;
  const refresh = settings.refreshSeconds ? ` It reloads itself every ${settings.refreshSeconds} s.` : '';
  const signIn = view.signedInAs ? '' : ' <a href="/sign-in">Sign in</a> to decide approvals.';
  const warnings = [
    settings.killSwitch
      ? '<div class="banner bad"><p><strong>Kill switch on:</strong> Warden changes no NACL until it is turned off in the config.</p></div>'
      : '',
    settings.responseMode === 'dry-run'
      ? '<div class="banner warn"><p><strong>Dry run:</strong> Warden decides and records, but blocks nothing.</p></div>'
      : '',
  ].join('');
  return renderDocument({
    title: 'Console',
    signedInAs: view.signedInAs,
    extraStyle: CONSOLE_STYLE,
    main: `${warnings}<section class="card" aria-labelledby="console-title">
<h1 id="console-title">Warden console</h1>
<p class="lead">A read-only view of the local runtime as of ${timeElement(view.now.toISOString(), absoluteTime(view.now.toISOString()))}: administrator <code>${e(settings.administratorAccountId)}</code> in <code>${e(settings.homeRegion)}</code>, onboarding by ${e(settings.onboardingMode)}, response mode ${e(settings.responseMode)}.${refresh}${signIn}</p>
${figures(view)}
<nav class="jump" aria-label="Parts of the console"><a href="#coverage">Onboarding coverage</a><a href="#blocks">Active blocks</a><a href="#approvals">Pending approvals</a><a href="#executions">Recent executions</a><a href="#notifications">Notifications</a></nav>
</section>
${section('coverage', 'Onboarding coverage', view.coverage, renderCoverage)}
${section('blocks', 'Active blocks', view.blocks, (rows) => renderBlocks(rows, view.now))}
${section('approvals', 'Pending approvals', view.approvals, (rows) => renderApprovals(rows, view.now))}
${section('executions', 'Recent executions', view.executions, renderExecutions)}
${section('notifications', 'Notifications', view.notifications, renderNotifications)}`,
  });
}

function figures(view: ConsoleView): string {
  const count = <T>(readout: Readout<T[]>, label: string, of = (rows: T[]) => rows.length) =>
    figure(readout.ok ? String(of(readout.value)) : '?', label);
  const cells = view.coverage.ok ? view.coverage.value.accounts.flatMap((a) => a.cells) : [];
  const enabled = view.coverage.ok
    ? `${cells.filter((c) => c.status === 'Enabled').length} of ${cells.length}`
    : '?';
  return `<div class="figures">${figure(enabled, 'account-regions Enabled')}${count(view.blocks, 'active blocks')}${count(view.approvals, 'pending approvals')}${count(view.executions, 'running executions', (rows) => rows.filter((r) => r.status === 'RUNNING').length)}</div>`;
}

function figure(value: string, label: string): string {
  return `<div class="figure"><strong>${e(value)}</strong><span>${e(label)}</span></div>`;
}

function section<T>(id: string, title: string, readout: Readout<T>, render: (value: T) => string): string {
  const body = readout.ok
    ? render(readout.value)
    : `<div class="banner bad" role="alert"><p>This part could not be read: ${e(readout.error)}</p></div>`;
  return `<section class="card" id="${e(id)}" aria-labelledby="${e(id)}-title">
<h2 id="${e(id)}-title">${e(title)}</h2>
${body}
</section>`;
}

type Tone = 'ok' | 'pending' | 'bad' | 'none' | 'off' | 'info';

const ONBOARD = 'npm run warden -- onboard ACCOUNT_ID';
const SWEEP = 'npm run warden -- sweep';

/**
 * Each status as a word, a tone and a mark, so that colour is never the only signal, and what it
 * means with the next step, shown in the legend and as each cell's tooltip.
 */
export const COVERAGE_LOOK: Readonly<
  Record<CoverageStatus, { label: string; tone: Tone; mark: string; explain: string }>
> = {
  Enabled: {
    label: 'Enabled',
    tone: 'ok',
    mark: '✓',
    explain: "The administrator receives this account's findings in this region. Nothing to do.",
  },
  Created: {
    label: 'Created',
    tone: 'pending',
    mark: '…',
    explain: `Added as a member, not yet enabled; onboarding checks again by itself. If it stays, run ${SWEEP}.`,
  },
  Invited: {
    label: 'Invited',
    tone: 'pending',
    mark: '…',
    explain: `Invited; Enabled once the account accepts, which onboarding does for it. If it stays, run ${SWEEP}.`,
  },
  EmailVerificationInProgress: {
    label: 'Email verification in progress',
    tone: 'pending',
    mark: '…',
    explain: `GuardDuty is verifying the account's e-mail address; wait, then run ${SWEEP}.`,
  },
  Disabled: {
    label: 'Disabled',
    tone: 'bad',
    mark: '✕',
    explain: `A member, but GuardDuty is turned off for it in this region. Run ${SWEEP} to repair it.`,
  },
  Removed: {
    label: 'Removed',
    tone: 'bad',
    mark: '✕',
    explain: `No longer a member of the administrator. Onboard it again: ${ONBOARD}.`,
  },
  Resigned: {
    label: 'Resigned',
    tone: 'bad',
    mark: '✕',
    explain: `The account left the administrator. Onboard it again: ${ONBOARD}.`,
  },
  EmailVerificationFailed: {
    label: 'Email verification failed',
    tone: 'bad',
    mark: '✕',
    explain: `GuardDuty could not verify the account's e-mail address; correct it, then ${ONBOARD}.`,
  },
  NotMember: {
    label: 'Not a member',
    tone: 'none',
    mark: '–',
    explain: `The administrator has no membership for the account in this region: onboarding has not reached it, or failed (see Recent executions). Run ${ONBOARD}, or ${SWEEP} to find every gap.`,
  },
  RegionDisabled: {
    label: 'Region not enabled',
    tone: 'off',
    mark: '○',
    explain:
      'The account has not enabled this opt-in region, so onboarding skips it. Enable the region for the account if it should be covered.',
  },
};

function badge(tone: Tone, mark: string, label: string): string {
  return `<span class="cell ${tone}"><span aria-hidden="true">${e(mark)}</span> ${e(label)}</span>`;
}

export function renderCoverage(coverage: CoverageView): string {
  if (coverage.accounts.length === 0)
    return '<p class="empty">The organisation has no member accounts yet.</p>';
  const shown = new Set(coverage.accounts.flatMap((a) => a.cells.map((c) => c.status)));
  const legend = (Object.keys(COVERAGE_LOOK) as CoverageStatus[])
    .filter((status) => shown.has(status))
    .map((status) => {
      const look = COVERAGE_LOOK[status];
      return `<li>${badge(look.tone, look.mark, look.label)} <span class="muted">${e(look.explain)}</span></li>`;
    })
    .join('');
  const rows = coverage.accounts.map((account) => {
    const cells = account.cells
      .map((cell) => {
        const look = COVERAGE_LOOK[cell.status];
        return `<td data-region="${e(cell.region)}" title="${e(look.explain)}">${badge(look.tone, look.mark, look.label)}</td>`;
      })
      .join('');
    return `<tr data-account="${e(account.id)}"><th scope="row">${e(account.name || account.id)}<br><code>${e(account.id)}</code></th>${cells}</tr>`;
  });
  const grid = dataTable(['Account', ...coverage.regions], rows, {
    className: 'grid',
    caption: 'Accounts (rows) by region (columns)',
  });
  return `<p class="lead">GuardDuty membership of each account in each governed region, as the administrator records it.</p>
<ul class="legend" aria-label="What the statuses shown mean">${legend}</ul>
${grid}`;
}

/**
 * A table of the console: one header cell per column, then the rows (each a `<tr>` already
 * written), in a box that scrolls sideways on a narrow screen.
 */
function dataTable(
  columns: readonly string[],
  rows: readonly string[],
  options: { className?: string; caption?: string } = {},
): string {
  const table = options.className ? `<table class="${e(options.className)}">` : '<table>';
  const caption = options.caption ? `<caption class="muted">${e(options.caption)}</caption>\n` : '';
  const head = columns.map((c) => `<th scope="col">${e(c)}</th>`).join('');
  return `<div class="scroll">${table}
${caption}<thead><tr>${head}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table></div>`;
}

export function renderBlocks(blocks: readonly BlockRow[], now: Date): string {
  if (blocks.length === 0) return '<p class="empty">No address is blocked.</p>';
  const rows = blocks.map((b) => {
    const finding = `${b.findingType ? `${e(b.findingType)}${b.severity !== null ? ` <span class="muted">severity ${e(b.severity)}</span>` : ''}<br>` : ''}<code>${e(b.findingId)}</code>`;
    const story = b.execution ? `<a href="${e(storyHref(b.execution))}">story</a>` : '';
    const state = b.state === 'ACTIVE' ? '' : ` <span class="cell pending">${e(b.state)}</span>`;
    return `<tr>
<td><code>${e(b.cidr)}</code>${state}</td>
<td><code>${e(b.naclId)}</code><br><span class="muted">${e(b.account)} · ${e(b.region)}</span></td>
<td class="num">${e(b.ruleNumber)}</td>
<td>${timeElement(b.expiresAt, relativeTime(b.expiresAt, now))}<br><span class="muted">${e(absoluteTime(b.expiresAt))}</span></td>
<td>${finding}</td>
<td>${b.approvedBy ? e(b.approvedBy) : '<span class="muted">policy</span>'}</td>
<td>${story}</td>
</tr>`;
  });
  return dataTable(['Address', 'NACL', 'Rule', 'Expires', 'Finding', 'Approved by', 'Execution'], rows);
}

export function renderApprovals(approvals: readonly ApprovalRow[], now: Date): string {
  if (approvals.length === 0) return '<p class="empty">Nothing is waiting for a decision.</p>';
  const rows = approvals.map((a) => {
    const story = a.execution ? `<a href="${e(storyHref(a.execution))}">story</a>` : '';
    return `<tr>
<td>${e(a.findingType)} <span class="muted">severity ${e(a.severity)}</span><br><code>${e(a.findingId)}</code></td>
<td class="nowrap">${e(a.accountId)}<br><span class="muted">${e(a.region)}</span></td>
<td>${a.addresses.map((cidr) => `<code>${e(cidr)}</code>`).join('<br>')}</td>
<td>${a.naclIds.map((id) => `<code>${e(id)}</code>`).join('<br>')}</td>
<td>${timeElement(a.createdAt, relativeTime(a.createdAt, now))}</td>
<td>${timeElement(a.expiresAt, relativeTime(a.expiresAt, now))}<br><span class="muted">${e(absoluteTime(a.expiresAt))}</span></td>
<td><a href="${e(approvalHref(a.approvalId))}">Review and decide</a></td>
<td>${story}</td>
</tr>`;
  });
  return dataTable(
    ['Finding', 'Account', 'Would block', 'In NACLs', 'Asked', 'Expires', 'Approval page', 'Execution'],
    rows,
  );
}

const STATUS_TONE: Readonly<Record<string, Tone>> = {
  SUCCEEDED: 'ok',
  RUNNING: 'info',
  FAILED: 'bad',
  TIMED_OUT: 'bad',
  ABORTED: 'bad',
};

export function renderExecutions(executions: readonly ExecutionRow[]): string {
  if (executions.length === 0) return '<p class="empty">No execution has started yet.</p>';
  const rows = executions.map((x) => {
    const tone = STATUS_TONE[x.status] ?? 'none';
    return `<tr>
<td>${e(x.workflow)}</td>
<td>${x.execution.stateMachine ? `<a href="${e(storyHref(x.execution))}"><code>${e(x.execution.name)}</code></a>` : `<code>${e(x.execution.name)}</code> <span class="muted">decision record</span>`}</td>
<td>${executionSubject(x)}</td>
<td>${badge(tone, tone === 'ok' ? '✓' : tone === 'bad' ? '✕' : '•', x.status)}</td>
<td>${timeElement(x.startedAt, absoluteTime(x.startedAt))}</td>
<td class="num">${e(duration(x.durationSeconds))}${x.stoppedAt ? '' : ' <span class="muted">so far</span>'}</td>
</tr>`;
  });
  return dataTable(['Workflow', 'Execution', 'About', 'Status', 'Started', 'Duration'], rows);
}

/** Shown accounts of an onboarding execution; the rest are counted. */
const SHOWN_ACCOUNTS = 3;

/**
 * What an execution is about, so that a row says more than its name: the finding and the
 * policy's decision for a response, the accounts for an onboarding.
 */
function executionSubject(x: ExecutionRow): string {
  const parts: string[] = [];
  if (x.finding) {
    const severity =
      x.finding.severity === null ? '' : ` <span class="muted">severity ${e(x.finding.severity)}</span>`;
    parts.push(`${e(x.finding.type)}${severity}`);
  }
  if (x.decision) {
    const reason =
      x.decision.reason && x.decision.reason !== 'POLICY'
        ? ` <span class="muted">${e(x.decision.reason)}</span>`
        : '';
    const dryRun = x.decision.dryRun ? ' <span class="cell pending">dry run</span>' : '';
    parts.push(`<span class="decision">${e(x.decision.action)}</span>${reason}${dryRun}`);
  }
  if (x.accounts.length) {
    const shown = x.accounts
      .slice(0, SHOWN_ACCOUNTS)
      .map((a) => `<code>${e(a)}</code>`)
      .join(', ');
    const more = x.accounts.length > SHOWN_ACCOUNTS ? ` and ${x.accounts.length - SHOWN_ACCOUNTS} more` : '';
    parts.push(`${x.accounts.length === 1 ? 'account' : 'accounts'} ${shown}${more}`);
  }
  return parts.length ? parts.join('<br>') : '<span class="muted">—</span>';
}

/**
 * What Warden sent to its topic, newest first, as the e-mail said it. The text is plain text
 * that quotes findings, so it is escaped and shown as written (line breaks kept), links unlinked.
 */
export function renderNotifications(notifications: readonly NotificationRow[]): string {
  if (notifications.length === 0) return '<p class="empty">Warden has sent no notification yet.</p>';
  const items = notifications
    .map((n) => {
      const category = n.category ? ` <span class="cell info">${e(n.category)}</span>` : '';
      return `<li class="notification">
<p class="meta">${timeElement(n.at, absoluteTime(n.at))}${category}</p>
<h3>${n.subject === null ? '<span class="muted">(no subject)</span>' : e(n.subject)}</h3>
<pre class="text">${e(n.text)}</pre>
</li>`;
    })
    .join('\n');
  return `<p class="lead">The messages on Warden's SNS topic, newest first, as an e-mail subscriber receives them.</p>
<ol class="notifications">
${items}
</ol>`;
}

/** One execution's story, told as `warden audit --format html` tells it. */
export function renderStoryPage(story: AuditStory, signedInAs: string | null): string {
  return renderDocument({
    title: `${story.execution.workflow} ${story.execution.name}`,
    signedInAs,
    extraStyle: CONSOLE_STYLE,
    main: `<p class="crumbs"><a href="${CONSOLE_PATH}#executions">← Console</a></p>
<section class="card">${storySection(story, 0)}</section>`,
  });
}

export function renderMissingStory(ref: ExecutionRef, signedInAs: string | null): string {
  return renderDocument({
    title: 'No such execution',
    signedInAs,
    extraStyle: CONSOLE_STYLE,
    main: `<p class="crumbs"><a href="${CONSOLE_PATH}#executions">← Console</a></p>
<div class="banner bad"><h1>No such execution</h1><p>The local runtime knows no execution <code>${e(ref.name)}</code> of <code>${e(ref.stateMachine)}</code>.</p></div>`,
  });
}

function timeElement(iso: string, text: string): string {
  return `<time datetime="${e(iso)}" title="${e(iso)}">${e(text)}</time>`;
}

/** `2026-03-01T11:06:00.000Z` → `2026-03-01 11:06:00 UTC`. */
export function absoluteTime(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `in 59 min`, `2 h 5 min ago`, `in 3 d`: how far `iso` is from `now`, to the minute. */
export function relativeTime(iso: string, now: Date): string {
  const at = new Date(iso).getTime();
  if (Number.isNaN(at)) return iso;
  const ms = at - now.getTime();
  const abs = Math.abs(ms);
  const minutes = Math.round(abs / 60_000);
  let span: string;
  if (ms === 0) return 'now';
  if (abs < 60_000) return ms > 0 ? 'in less than a minute' : 'less than a minute ago';
  if (minutes < 60) span = `${minutes} min`;
  else if (minutes < 48 * 60) {
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    span = m ? `${h} h ${m} min` : `${h} h`;
  } else span = `${Math.round(minutes / 1440)} d`;
  return ms >= 0 ? `in ${span}` : `${span} ago`;
}
