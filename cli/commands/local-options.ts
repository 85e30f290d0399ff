import { existsSync } from 'node:fs';
import { loadConfig } from '../../config/load';
import type { WardenConfig } from '../../config/schema';
import { AcceleratedClock } from '../../runtime/clock';
import { type LocalWarden, startLocalWarden } from '../../runtime/local-warden';
import { demoMembers } from '../../runtime/sandbox/demo-organization';
import { CliError, UsageError } from '../cli-error';

/**
 * What `warden onboard` and `warden sweep` share: the config file and a local Warden on the
 * sandbox organisation, with time running fast enough that waits for GuardDuty pass at once.
 */
export interface LocalCommandOptions {
  config: string;
  members: string;
}

export const DEFAULT_CONFIG = 'warden.config.json';

export function readConfigOption(path: string): WardenConfig {
  if (!existsSync(path)) throw new CliError(`config file ${path} does not exist (use --config PATH)`);
  try {
    return loadConfig(path);
  } catch (error) {
    throw new CliError((error as Error).message.split('\n').join('; '));
  }
}

export function readMemberCount(text: string): number {
  const count = Number(text);
  if (!/^\d+$/.test(text) || count < 1 || count > 5000) {
    throw new UsageError(`--members must be a whole number from 1 to 5000, got ${text}`);
  }
  return count;
}

export async function startSandboxWarden(config: WardenConfig, memberCount: number): Promise<LocalWarden> {
  return startLocalWarden({
    config,
    members: demoMembers(memberCount),
    clock: new AcceleratedClock(10_000),
    workflows: ['onboarding', 'sweep', 'free-trial'],
  });
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

/** `[#####.....] 5/10` on one terminal line, rewritten in place. */
export function progressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
}
