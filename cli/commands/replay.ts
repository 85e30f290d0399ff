import type { Command } from 'commander';
import { CliError } from '../cli-error';
import { BufferedOutput, type OutputStream } from '../replay/buffered-output';
import { findingLine, totalsText } from '../replay/render';
import { ReplayInputError, type ReplayResult, replay } from '../replay/replay';
import { DEFAULT_CONFIG, readTriageConfigOption } from './local-options';

/**
 * `warden replay FILE|FOLDER`: what the configured policy would have done with recorded
 * findings, per finding and in total, with no side effects: the way to tune the policy before
 * turning on automatic blocking.
 *
 * Output: one text line per finding and the totals; `--json`: one `warden triage` object per line
 * on stdout, totals on stderr; `--summary`: the totals only (as JSON with `--json`). Records that
 * are not valid findings are reported on stderr as they are read and counted; they do not stop
 * the run.
 */
export interface ReplayOptions {
  config: string;
  json?: boolean;
  summary?: boolean;
}

export async function runReplay(
  path: string,
  options: ReplayOptions,
  out: OutputStream = process.stdout,
  err: OutputStream = process.stderr,
): Promise<ReplayResult> {
  const config = readTriageConfigOption(options.config);
  const stdout = new BufferedOutput(out);
  const stderr = new BufferedOutput(err);
  const started = performance.now();
  let result: ReplayResult;
  try {
    result = await replay(path, config, {
      onFinding: options.summary
        ? undefined
        : options.json
          ? (report) => stdout.line(JSON.stringify(report))
          : (report, where) => stdout.line(findingLine(report, where)),
      onInvalid: (where, error) => stderr.line(`warden: ${where}: ${error}`),
    });
  } catch (error) {
    if (error instanceof ReplayInputError) throw new CliError(error.message);
    throw error;
  } finally {
    await stdout.flush();
    await stderr.flush();
  }
  const elapsed = performance.now() - started;
  if (options.json && options.summary) {
    out.write(
      `${JSON.stringify({ source: result.source, elapsedMs: Math.round(elapsed), ...result.totals })}\n`,
    );
  } else {
    (options.json ? err : out).write(`${options.summary ? '' : '\n'}${totalsText(result, elapsed)}`);
  }
  return result;
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('Run the configured policy over recorded findings and report what Warden would have done')
    .argument(
      '<input>',
      'JSON-lines file of finding events or findings, a folder of .json events, or - for stdin',
    )
    .option('--config <path>', 'Warden config file', DEFAULT_CONFIG)
    .option('--json', 'one warden-triage JSON object per finding (totals on stderr)')
    .option('--summary', 'print only the totals')
    .action(async (input: string, options: ReplayOptions) => {
      await runReplay(input, options);
    });
}
