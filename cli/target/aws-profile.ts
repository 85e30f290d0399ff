import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../cli-error';

/**
 * `--profile NAME` must name a profile of the shared config files, or the SDK later fails with
 * "Could not load credentials from any providers", which does not say the profile is missing.
 * The files and their section names are the AWS CLI's: `[profile NAME]` (or `[default]`) in
 * `~/.aws/config`, `[NAME]` in `~/.aws/credentials`, either moved by `AWS_CONFIG_FILE` and
 * `AWS_SHARED_CREDENTIALS_FILE` (cli-configure-files.html).
 */
export function checkProfile(name: string, env: NodeJS.ProcessEnv = process.env): void {
  const home = env.HOME || homedir();
  const config = env.AWS_CONFIG_FILE || join(home, '.aws', 'config');
  const credentials = env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials');
  const sections = (file: string, prefix: boolean): string[] => {
    if (!existsSync(file)) return [];
    return [...readFileSync(file, 'utf8').matchAll(/^\s*\[\s*([^\]]+?)\s*\]\s*$/gm)].map((m) => {
      const section = m[1]!;
      return prefix && section.startsWith('profile ') ? section.slice('profile '.length).trim() : section;
    });
  };
  const known = new Set([...sections(config, true), ...sections(credentials, false)]);
  if (!known.has(name)) {
    throw new UsageError(
      `--profile ${name} is not a profile in ${config} or ${credentials}${known.size ? ` (profiles there: ${[...known].sort().join(', ')})` : ''}`,
    );
  }
}
