import { existsSync } from 'node:fs';
import { loadConfig } from '../../config/load';
import type { WardenConfig } from '../../config/schema';
import { CliError } from '../cli-error';

/** What the commands share: the config file option, plain tables and the progress bar. */

export const DEFAULT_CONFIG = 'warden.config.json';

export function readConfigOption(path: string): WardenConfig {
  if (!existsSync(path)) throw new CliError(`config file ${path} does not exist (use --config PATH)`);
  try {
    return loadConfig(path);
  } catch (error) {
    throw new CliError((error as Error).message.split('\n').join('; '));
  }
}

/** A plain-text table: columns padded to their widest cell. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
