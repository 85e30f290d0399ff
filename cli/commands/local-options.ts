import { existsSync } from 'node:fs';
import { loadConfig } from '../../config/load';
import type { WardenConfig } from '../../config/schema';
import { CliError } from '../cli-error';
import { checkTriageConfig, oneLine } from '../triage/report';

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

/**
 * The config at `path` for a command that triages findings (triage, replay, findings): its CIDR
 * lists are checked once here, so a bad entry is one config error, not a failure of every finding.
 */
export function readTriageConfigOption(path: string): WardenConfig {
  const config = readConfigOption(path);
  try {
    checkTriageConfig(config);
  } catch (error) {
    throw new CliError(`${path}: response.${oneLine(error)}`);
  }
  return config;
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
