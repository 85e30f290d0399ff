import { escapeHtml as e } from '../../tasks/shared/escape-html';
import type { AuditStory } from '../model';
import { approvalText, duration, triggerText } from './cells';
import { barChart, latencyBuckets } from './charts';
import { summarise } from './summary';

/**
 * A self-contained HTML report: summary figures, four charts (blocks per day, by account, by
 * finding type, approval latency), a list of executions and each execution's story. Inline CSS
 * and SVG only — no script, no external asset — so it can be mailed or archived as one file,
 * and a Content-Security-Policy forbids loading anything.
 *
 * Table cells break a word only when it cannot fit a line by itself (breaking anywhere would let
 * a table squeeze its columns until words split: "Starte d"); wide tables scroll inside their own
 * box, and long values in definition lists (ARNs) break anywhere, so nothing overflows a phone.
 */
export interface HtmlReportOptions {
  /** Where the executions were read from, shown in the header. */
  source: string;
  generatedAt: Date;
  filters: string;
}

export function renderHtml(stories: readonly AuditStory[], options: HtmlReportOptions): string {
  const summary = summarise(stories);
  const figures: [string, string | number][] = [
    ['executions', summary.executions],
    ['NACL entries added', summary.blocks],
    ['approved', summary.approvals.approved],
    ['rejected', summary.approvals.rejected],
    ['approval timed out', summary.approvals.timedOut],
    ['failed', summary.byStatus.find((s) => s.key === 'FAILED')?.count ?? 0],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Warden audit report</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>Warden audit report</h1>
<p class="meta">Source: ${e(options.source)} · Filters: ${e(options.filters || 'none')} · Generated ${e(options.generatedAt.toISOString())}</p>
</header>
<section class="figures">${figures.map(([label, value]) => `<div class="figure"><strong>${e(value)}</strong><span>${e(label)}</span></div>`).join('')}</section>
<section class="charts">
${barChart('Blocks per day', summary.blocksPerDay, { empty: 'No NACL entries were added.' })}
${barChart('Blocks by account', summary.blocksByAccount, { empty: 'No NACL entries were added.' })}
${barChart('Blocks by finding type', summary.blocksByFindingType, { empty: 'No NACL entries were added.' })}
${barChart('Approval latency', latencyBuckets(summary.approvalLatencySeconds), { empty: 'No approval was decided.' })}
</section>
<section>
<h2>Executions</h2>
${stories.length === 0 ? '<p class="empty">No executions match.</p>' : overview(stories)}
</section>
<section>
<h2>Stories</h2>
${stories.map(storySection).join('\n')}
</section>
</body>
</html>
`;
}

function overview(stories: readonly AuditStory[]): string {
  const rows = stories
    .map(
      (s, i) => `<tr class="status-${e(s.execution.status.toLowerCase())}">
<td>${e(s.execution.startedAt.replace('T', ' ').slice(0, 19))}</td><td>${e(s.execution.workflow)}</td>
<td><a href="#story-${i}">${e(s.execution.name)}</a></td><td class="status">${e(s.execution.status)}</td>
<td>${e(triggerText(s))}</td><td>${e(s.triage?.decision ?? '')}</td><td>${e(approvalText(s))}</td><td>${e(s.outcome)}</td></tr>`,
    )
    .join('\n');
  return `<div class="scroll"><table><thead><tr><th>Started</th><th>Workflow</th><th>Execution</th><th>Status</th><th>Trigger</th><th>Decision</th><th>Approval</th><th>Outcome</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

export function storySection(s: AuditStory, i: number): string {
  const parts: string[] = [];
  parts.push(
    definitionList([
      ['Execution', s.execution.arn],
      ['Status', s.execution.status],
      ['Started', s.execution.startedAt],
      ['Stopped', s.execution.stoppedAt ?? 'still running'],
      ['Duration', s.execution.durationSeconds === null ? '' : duration(s.execution.durationSeconds)],
      ['History events', String(s.execution.historyEvents)],
      ['Trigger', triggerText(s)],
    ]),
  );
  if (s.triage) {
    parts.push(
      `<h4>Triage</h4>${definitionList([
        ['Decision', s.triage.decision],
        ['Why', [s.triage.reason, s.triage.rule].filter(Boolean).join(' — ')],
        ['Category', s.triage.category ?? ''],
        ['Dry run', s.triage.dryRun ? 'yes' : 'no'],
        ['Recommendation', s.triage.recommendation ?? ''],
      ])}${table(
        ['Address', 'CIDR', 'Action', 'Reason'],
        s.triage.addresses.map((a) => [a.address, a.cidr, a.action, a.reason]),
      )}`,
    );
  }
  if (s.approval) {
    const a = s.approval;
    parts.push(
      `<h4>Approval</h4>${definitionList([
        ['Outcome', a.outcome + (a.onTimeout ? ` (${a.onTimeout})` : '')],
        ['Approver', a.approver ?? ''],
        ['Reason', a.reason ?? ''],
        ['Requested', a.requestedAt ?? ''],
        ['Decided', a.decidedAt ?? ''],
        ['Latency', a.latencySeconds === null ? '' : duration(a.latencySeconds)],
        ['NACLs shown', a.proposedNacls.join(', ')],
      ])}`,
    );
  }
  if (s.naclChanges.length) {
    parts.push(
      `<h4>NACL changes</h4>${table(
        ['At', 'Account', 'NACL', 'Subnets', 'CIDR', 'Rule', 'Outcome', 'Before', 'After', 'Expires'],
        s.naclChanges.map((c) => [
          c.at,
          `${c.accountId ?? ''} ${c.region ?? ''}`,
          c.naclId,
          c.subnetIds.join(', '),
          c.cidr,
          c.ruleNumber === null ? '' : String(c.ruleNumber),
          `${c.outcome}${c.detail ? ` — ${c.detail}` : ''}`,
          c.before.join('\n'),
          c.after.join('\n'),
          c.expiresAt ?? '',
        ]),
      )}`,
    );
  }
  if (s.extensions.length) {
    parts.push(
      `<h4>Extensions</h4>${table(
        ['At', 'NACL', 'CIDR', 'From', 'To'],
        s.extensions.map((x) => [x.at, x.naclId, x.cidr, x.from ?? '', x.to]),
      )}`,
    );
  }
  if (s.lifts.length) {
    parts.push(
      `<h4>Lifted</h4>${table(
        ['At', 'NACL', 'CIDR', 'Rule', 'Outcome'],
        s.lifts.map((l) => [
          l.at,
          l.naclId,
          l.cidr,
          l.ruleNumber === null ? '' : String(l.ruleNumber),
          l.outcome,
        ]),
      )}`,
    );
  }
  if (s.onboarding) {
    const o = s.onboarding;
    parts.push(
      `<h4>Onboarding</h4>${o.skipped ? `<p>Not onboarded: ${e(o.reason ?? '')} ${e(o.detail ?? '')}</p>` : ''}${table(
        ['Account', 'Result', 'Region', 'Outcome', 'Detail'],
        o.accounts.flatMap((acc) =>
          acc.regions.length
            ? acc.regions.map((r) => [
                acc.accountId,
                acc.result,
                r.region,
                `${r.outcome} (${r.kind})`,
                r.detail ?? r.error ?? '',
              ])
            : [[acc.accountId, acc.result, '', acc.reason ?? '', '']],
        ),
      )}`,
    );
  }
  if (s.notifications.length) {
    parts.push(
      `<h4>Notifications</h4>${table(
        ['At', 'Category', 'Sent', 'Message id / reason'],
        s.notifications.map((n) => [
          n.at,
          n.category ?? '',
          n.published ? 'yes' : 'no',
          n.messageId ?? n.reason ?? '',
        ]),
      )}`,
    );
  }
  if (s.errors.length) {
    parts.push(
      `<h4>Errors</h4>${table(
        ['At', 'State', 'Error', 'Cause'],
        s.errors.map((x) => [x.at, x.state ?? '', x.error, x.cause]),
      )}`,
    );
  }
  parts.push(
    `<details><summary>Timeline (${s.timeline.length} states)</summary><ol class="timeline">${s.timeline
      .map((t) => `<li><time>${e(t.at)}</time> ${e(t.state)} <span class="type">${e(t.type)}</span></li>`)
      .join('')}</ol></details>`,
  );
  return `<article id="story-${i}" class="story status-${e(s.execution.status.toLowerCase())}"><h3>${e(s.execution.workflow)} · ${e(s.execution.name)}</h3><p class="outcome">${e(s.outcome)}</p>${parts.join('\n')}</article>`;
}

function definitionList(rows: [string, string][]): string {
  return `<dl>${rows
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`)
    .join('')}</dl>`;
}

function table(header: string[], rows: string[][]): string {
  if (rows.length === 0) return '';
  // A wide table scrolls inside its own box; the page never grows wider than the window.
  return `<div class="scroll"><table><thead><tr>${header.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${e(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></div>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;padding:24px 32px;color:#1f2328;background:#f6f8fa}
@media (max-width:600px){body{padding:12px 8px}.story{padding:10px 8px}}
h1{margin:0 0 4px;font-size:24px}h2{margin:28px 0 10px;font-size:18px}h3{margin:0 0 6px;font-size:15px}h4{margin:14px 0 6px;font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:#57606a}
.meta{color:#57606a;margin:0;overflow-wrap:anywhere}
.figures{display:flex;flex-wrap:wrap;gap:12px;margin:18px 0}
.figure{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:10px 16px;min-width:120px}
.figure strong{display:block;font-size:22px}.figure span{color:#57606a}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(420px,100%),1fr));gap:12px}
.chart svg{max-width:100%;height:auto}
.chart{background:#fff;border:1px solid #d0d7de;border-radius:6px;margin:0;padding:12px 16px}
.chart svg text{font-size:12px;fill:#1f2328}.chart svg rect{fill:#0969da}
.empty{color:#57606a;font-style:italic}
table{border-collapse:collapse;width:100%;background:#fff;margin:4px 0 8px}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top;white-space:pre-wrap;overflow-wrap:break-word}
.scroll{overflow-x:auto}
th{background:#eaeef2;font-weight:600}
td.status{white-space:nowrap}
.status-failed .status,.status-timed_out .status,.status-aborted .status{color:#cf222e;font-weight:600}
.story{background:#fff;border:1px solid #d0d7de;border-left:4px solid #0969da;border-radius:6px;padding:12px 16px;margin:0 0 12px}
.story.status-failed,.story.status-timed_out,.story.status-aborted{border-left-color:#cf222e}
.outcome{margin:0 0 8px;font-weight:600}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}dt{color:#57606a}dd{margin:0;min-width:0;overflow-wrap:anywhere}
.timeline{margin:6px 0;padding-left:24px}.timeline time{color:#57606a;font-variant-numeric:tabular-nums}.timeline .type{color:#8c959f;font-size:12px}
`;
