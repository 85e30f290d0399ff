import { escapeHtml } from '../../tasks/shared/escape-html';
import type { Count } from './summary';

/**
 * Inline SVG bar charts for the HTML report: no script, no external asset, every label escaped.
 */
export function barChart(title: string, data: readonly Count[], options: { empty?: string } = {}): string {
  const heading = `<h3>${escapeHtml(title)}</h3>`;
  if (data.length === 0)
    return `<figure class="chart">${heading}<p class="empty">${escapeHtml(options.empty ?? 'Nothing to show.')}</p></figure>`;
  const rows = data.slice(0, 12);
  const labelWidth = 230;
  const barWidth = 260;
  const rowHeight = 22;
  const max = Math.max(...rows.map((r) => r.count));
  const height = rows.length * rowHeight + 8;
  const bars = rows
    .map((r, i) => {
      const y = 4 + i * rowHeight;
      const w = r.count === 0 ? 0 : Math.max(2, Math.round((r.count / max) * barWidth));
      const label = r.key.length > 28 ? `${r.key.slice(0, 27)}…` : r.key;
      return [
        `<text x="${labelWidth - 6}" y="${y + 15}" text-anchor="end">${escapeHtml(label)}<title>${escapeHtml(r.key)}</title></text>`,
        `<rect x="${labelWidth}" y="${y + 3}" width="${w}" height="${rowHeight - 6}" rx="2"></rect>`,
        `<text x="${labelWidth + w + 6}" y="${y + 15}">${r.count}</text>`,
      ].join('');
    })
    .join('');
  const more = data.length > rows.length ? `<p class="empty">and ${data.length - rows.length} more</p>` : '';
  return `<figure class="chart">${heading}<svg role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${labelWidth + barWidth + 50} ${height}" width="100%">${bars}</svg>${more}</figure>`;
}

/** Approval latencies in buckets a person thinks in. */
export function latencyBuckets(seconds: readonly number[]): Count[] {
  const buckets: [string, number][] = [
    ['under 1 min', 60],
    ['1–5 min', 300],
    ['5–15 min', 900],
    ['15–60 min', 3600],
    ['1–4 h', 14_400],
    ['over 4 h', Number.POSITIVE_INFINITY],
  ];
  const counts = buckets.map(([key]) => ({ key, count: 0 }));
  for (const s of seconds) counts[buckets.findIndex(([, limit]) => s < limit)]!.count += 1;
  return seconds.length ? counts : [];
}
