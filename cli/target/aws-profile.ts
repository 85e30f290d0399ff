import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { UsageError } from '../cli-error';

/**
 * `--profile NAME` must name a profile of the shared config files, or the SDK later fails with
 * "Could not load credentials from any providers", which does not say the profile is missing.
 * The files and their section names are the AWS CLI's: `[profile NAME]` (or `[default]`) in
 * `~/.aws/config`, `[NAME]` in `~/.aws/credentials`, either moved by `AWS_CONFIG_FILE` and
 * `AWS_SHARED_CREDENTIALS_FILE` (cli-configure-files.html).
 */
export function checkProfile(name: string, env: NodeJS.ProcessEnv = process.env): void {
  const { config, credentials } = sharedFiles(env);
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

/** Where the SDK and the AWS CLI read the shared config and credentials files. */
function sharedFiles(env: NodeJS.ProcessEnv): { config: string; credentials: string } {
  const home = env.HOME || homedir();
  return {
    config: env.AWS_CONFIG_FILE || join(home, '.aws', 'config'),
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'),
  };
}

/**
 * The region `--profile NAME` without `--region` means, resolved as the SDK resolves it for any
 * client: `AWS_REGION`, else the profile's `region` in the shared files
 * (https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/setting-region.html).
 * When neither names one the SDK fails only at the first call, with "Region is missing"; here it
 * is one line that says which profile and files and what to give instead.
 */
export async function profileRegion(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const probe = new CloudFormationClient({ profile: name });
  try {
    return await probe.config.region();
  } catch (error) {
    const { message } = error as Error;
    // The SDK checks the region it read is a host name part before any call.
    const refused = /^Region not accepted: region="(.*)"/.exec(message);
    if (refused) throw notARegion(name, refused[1]!);
    if (!/region is missing/i.test(message)) throw error;
    const { config, credentials } = sharedFiles(env);
    throw new UsageError(
      `--profile ${name} names no region (none in its section of ${config} or ${credentials}, and AWS_REGION is not set): give --region`,
    );
  } finally {
    probe.destroy();
  }
}

export function notARegion(profile: string, region: string): UsageError {
  return new UsageError(
    `--profile ${profile} names the region ${region}, which is not an AWS region such as eu-west-1: give --region`,
  );
}
