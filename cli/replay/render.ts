import type { TriageReport } from '../triage/report';
import type { ReplayResult } from './replay';

/** The text forms of a replay: one line per finding, and the totals. */

const LISTED_INVALID = 10;

export function findingLine(report: TriageReport, where: string): string {
  const addresses = report.addresses.map((a) =>
    a.action === 'BLOCK' || a.action === 'APPROVAL'
      ? `${a.cidr} ${a.action}`
      : `${a.cidr} ${a.action} (${a.reason})`,
  );
  const omitted = report.addressesOmitted ? ` +${report.addressesOmitted} more` : '';
  return [
    where.padEnd(10),
    report.findingId,
    report.decision.padEnd(19),
    `${report.type} sev ${report.severity}`,
    `[${report.rule}]`,
    report.dryRun ? `dry run (${report.dryRunReasons.join(', ')})` : '',
    addresses.length ? `— ${addresses.join(', ')}${omitted}` : '',
  ]
    .filter(Boolean)
    .join('  ');
}

export function totalsText(result: ReplayResult, elapsedMs: number): string {
  const t = result.totals;
  const source =
    result.source.kind === 'folder'
      ? `${result.source.files} file(s) in ${result.source.path}`
      : `${result.source.lines ?? 0} line(s) of ${result.source.kind === 'stdin' ? 'standard input' : result.source.path}`;
  const rate = elapsedMs > 0 ? Math.round((t.findings + t.invalid.count) / (elapsedMs / 1000)) : 0;
  const lines = [
    `Replayed ${t.findings} finding(s) from ${source} in ${(elapsedMs / 1000).toFixed(1)} s (${rate}/s); nothing was changed.`,
  ];
  if (t.dryRun.modeDryRun) {
    lines.push('The config is in dry-run mode: Warden would record these decisions but change no NACL.');
  }
  lines.push(
    '',
    'What Warden would do',
    `  ignore                ${t.decisions.IGNORE}`,
    `  notify only           ${t.decisions.NOTIFY}`,
    `  ask for approval      ${t.decisions.BLOCK_WITH_APPROVAL}`,
    `  block automatically   ${t.decisions.BLOCK_AUTO}`,
    `  (sample findings, dry run only: ${t.dryRun.sampleFindings})`,
    '',
    'Addresses',
    `  distinct addresses blocked automatically   ${t.addresses.distinctAutoBlocked}`,
    `  distinct addresses blocked after approval  ${t.addresses.distinctAfterApproval}`,
    `  distinct addresses that would be blocked   ${t.addresses.distinctWouldBlock}`,
  );
  section(lines, 'Not blocked, by reason', t.addresses.notBlockedReasons);
  section(lines, 'Notifications by category', t.notifications);
  section(lines, 'Notifications switched off in config', t.notificationsSuppressed);
  section(lines, 'Policy rules that decided', t.rules);
  section(lines, "Decisions that overrule the policy's action", t.overruled);
  if (t.addresses.top.length) {
    lines.push('', 'Addresses in most findings');
    for (const a of t.addresses.top)
      lines.push(`  ${a.cidr.padEnd(44)} ${String(a.findings).padStart(6)}  ${a.action}`);
  }
  lines.push('', `Invalid records: ${t.invalid.count}`);
  const listed = t.invalid.first.slice(0, LISTED_INVALID);
  for (const i of listed) lines.push(`  ${i.where}: ${i.error}`);
  if (t.invalid.count > listed.length) {
    lines.push(
      `  … and ${t.invalid.count - listed.length} more (each was reported on stderr as it was read)`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function section(lines: string[], title: string, counts: Record<string, number>): void {
  const entries = Object.entries(counts);
  if (entries.length === 0) return;
  lines.push('', title);
  const width = Math.max(...entries.map(([k]) => k.length));
  for (const [key, n] of entries) lines.push(`  ${key.padEnd(width)}  ${n}`);
}
