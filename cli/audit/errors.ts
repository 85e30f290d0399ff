import { CliError, UsageError } from '../cli-error';

export { UsageError };

/**
 * What can go wrong in `warden audit`, each printed as one line by the CLI. Messages say what was
 * given and what is expected.
 */

/** The Step Functions endpoint or API could not be read (unreachable, no credentials, denied). */
export class SourceUnavailableError extends CliError {}

/** An archive folder, object or file that is missing, unreadable or not a Warden archive. */
export class ArchiveReadError extends CliError {}

/** The report could not be written where `--out` points. */
export class OutputError extends CliError {}
