import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

/** A target next to its figure: met or missed, and when missed, why. */
export interface Target {
  key: string;
  label: string;
  value: number;
  /** `<=` or `>=` the limit. */
  op: '<=' | '>=';
  limit: number;
  unit?: string;
  /** Printed when the target is missed. */
  whyMissed?: string;
}

export function met(t: Target): boolean {
  return t.op === '<=' ? t.value <= t.limit : t.value >= t.limit;
}

export function targetsJson(targets: Target[]): Record<string, unknown> {
  return Object.fromEntries(
    targets.map((t) => [
      t.key,
      { value: t.value, target: `${t.op} ${t.limit}`, met: met(t), ...(met(t) ? {} : { why: t.whyMissed }) },
    ]),
  );
}

export function printTargets(targets: Target[]): string {
  const rows = targets.map((t) => [
    t.label,
    `${formatNumber(t.value)}${t.unit ? ` ${t.unit}` : ''}`,
    `${t.op} ${formatNumber(t.limit)}`,
    met(t) ? 'met' : 'MISSED',
  ]);
  const lines = [table(['figure', 'measured', 'target', ''], rows)];
  for (const t of targets.filter((x) => !met(x) && x.whyMissed)) lines.push(`  ${t.label}: ${t.whyMissed}`);
  return lines.join('\n');
}

export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: (string | number)[]) =>
    r
      .map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)]
    .map((l) => `  ${l}`)
    .join('\n');
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function machine(): Record<string, unknown> {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: process.platform,
  };
}

export function writeResults(name: string, figures: Record<string, unknown>): string {
  const dir = join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
  return `bench/results/${name}.json`;
}

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/**
 * Writes a bench's figures to bench/results/<name>.json with its targets, the machine and the
 * time they were measured at; returns the file's path.
 */
export function writeFigures(name: string, figures: Record<string, unknown>, targets: Target[]): string {
  return writeResults(name, {
    ...figures,
    targets: targetsJson(targets),
    machine: machine(),
    measuredAt: new Date().toISOString(),
  });
}

/** The lines a bench's printout ends with: its targets met or missed, and where its figures went. */
export function closingLines(targets: Target[], file: string): string[] {
  return ['', 'targets', printTargets(targets), '', `written to ${file}`, ''];
}

/** A bench's printout: its own lines, then its closing lines. */
export function printout(lines: string[], targets: Target[], file: string): string {
  return [...lines, ...closingLines(targets, file)].join('\n');
}

/** How a bench ends: its figures written (see writeFigures), its printout on stdout. */
export function finish(
  name: string,
  figures: Record<string, unknown>,
  targets: Target[],
  lines: string[],
): void {
  process.stdout.write(printout(lines, targets, writeFigures(name, figures, targets)));
}
