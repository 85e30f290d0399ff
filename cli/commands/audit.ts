import type { Command } from 'commander';
import { type AuditOptions, FORMATS, runAudit } from '../audit/audit';

/**
 * `warden audit`: the story of each execution — trigger, triage, approval, NACL changes, lifts,
 * notifications, errors — from the local runtime (default), from AWS (`--region`/`--profile`),
 * or from the history archive (`--archive PATH|s3://bucket/prefix`).
 */
export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description("Tell the story of Warden's executions: table, JSON, CSV or a self-contained HTML report")
    .option('--workflow <names>', 'response, onboarding, … (comma-separated); every workflow when omitted')
    .option('--status <statuses>', 'RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED (comma-separated)')
    .option('--since <time>', 'started at or after: ISO 8601 or a time ago (7d, 12h, 30m)')
    .option('--until <time>', 'started at or before: ISO 8601 or a time ago')
    .option('--account <id>', 'only executions about this 12-digit account')
    .option('--finding <id>', 'only responses to this GuardDuty finding id')
    .option('--address <ip>', 'only executions that triaged or blocked this address (or CIDR)')
    .option('--format <format>', FORMATS.join(' | '), 'table')
    .option('--out <file>', 'write the report to a file instead of stdout')
    .option('--region <region>', "Warden in AWS: the region of its security stack (the config's homeRegion)")
    .option('--profile <profile>', 'AWS profile from the shared config files')
    .option(
      '--endpoint <url>',
      'Step Functions endpoint (default: the local runtime from .warden/runtime.json); S3 endpoint with --archive s3://',
    )
    .option('--archive <location>', 'read the history archive: a folder or s3://bucket/prefix')
    .option(
      '--data-dir <dir>',
      'the local runtime’s data folder: its runtime.json, and its archive once it has stopped',
      '.warden',
    )
    .option('--progress', 'show a progress bar even when stderr is not a terminal')
    .action(async (options: AuditOptions) => {
      await runAudit(options, { stdout: process.stdout, stderr: process.stderr });
    });
}
