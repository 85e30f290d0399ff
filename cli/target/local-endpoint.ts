import { SourceUnavailableError } from '../audit/errors';
import { DEFAULT_DATA_DIR, readRuntimeInfo } from '../audit/sources/runtime-info';
import { CliError, UsageError } from '../cli-error';

/**
 * Which running Warden a command acts on when it is not AWS: `--endpoint URL` when given, else
 * the local runtime that `warden start` recorded in `<data dir>/runtime.json`; otherwise a
 * one-line error that nothing is running. Never a Warden of the command's own making.
 */
export const NOTHING_RUNNING =
  'no Warden is running here: start one with `npm start` (it writes .warden/runtime.json), or give --endpoint URL, or --region/--profile for Warden in AWS';

/** A usage error (exit code 2) unless the text is an http(s) URL. */
export function endpointOption(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--endpoint must be a URL such as http://127.0.0.1:4321, got ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--endpoint must be an http or https URL, got ${text}`);
  }
  return url.origin;
}

export function runningEndpoint(
  options: { endpoint?: string; dataDir?: string },
  cwd = process.cwd(),
): string {
  if (options.endpoint !== undefined) return endpointOption(options.endpoint);
  try {
    return readRuntimeInfo(cwd, options.dataDir ?? DEFAULT_DATA_DIR).sfnEndpoint;
  } catch (error) {
    if (error instanceof SourceUnavailableError && /does not exist/.test(error.message)) {
      throw new CliError(NOTHING_RUNNING);
    }
    throw error;
  }
}
