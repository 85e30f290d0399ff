import { CliError } from '../cli-error';

/**
 * What can go wrong in `warden audit`, each printed as one line by the CLI. Messages say what was
 * given and what is expected.
 */

/** A bad option value (exit 2, as commander's own usage errors). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** The Step Functions endpoint or API could not be read (unreachable, no credentials, denied). */
export class SourceUnavailableError extends CliError {}

/** An archive folder, object or file that is missing, unreadable or not a Warden archive. */
export class ArchiveReadError extends CliError {}

/** The report could not be written where `--out` points. */
export class OutputError extends CliError {}
