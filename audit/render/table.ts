import type { AuditStory } from '../model';
import { approvalText, naclText, triggerText } from './cells';

/**
 * The terminal view: one line per execution, columns padded to their widest cell and capped so
 * a line fits a wide terminal; `--format json` or `html` has everything.
 */
const COLUMNS: { title: string; max: number; cell: (s: AuditStory) => string }[] = [
  { title: 'STARTED', max: 20, cell: (s) => s.execution.startedAt.replace('T', ' ').slice(0, 19) },
  { title: 'WORKFLOW', max: 12, cell: (s) => s.execution.workflow },
  { title: 'STATUS', max: 9, cell: (s) => s.execution.status },
  { title: 'TRIGGER', max: 56, cell: triggerText },
  { title: 'DECISION', max: 20, cell: (s) => s.triage?.decision ?? '' },
  { title: 'APPROVAL', max: 32, cell: approvalText },
  { title: 'NACL CHANGES', max: 56, cell: naclText },
  { title: 'OUTCOME', max: 80, cell: (s) => s.outcome },
];

export function renderTable(stories: readonly AuditStory[]): string {
  if (stories.length === 0) return 'No executions match.\n';
  const rows = stories.map((s) => COLUMNS.map((c) => truncate(clean(c.cell(s)), c.max)));
  const header = COLUMNS.map((c) => c.title);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const records = stories.filter((s) => s.decision).length;
  const executions = stories.length - records;
  const total = [
    `${executions} execution${executions === 1 ? '' : 's'}`,
    ...(records ? [`${records} decision record${records === 1 ? '' : 's'} (ignored findings)`] : []),
  ].join(', ');
  return `${[line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), total].join('\n')}\n`;
}

/** History text is untrusted: control characters (terminal escapes) become spaces. */
export function clean(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
