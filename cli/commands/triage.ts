import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { WardenConfig } from '../../config/schema';
import { InvalidFindingError } from '../../tasks/shared/errors';
import { CliError } from '../cli-error';
import { oneLine, type TriageReport, triageRecord } from '../triage/report';
import { DEFAULT_CONFIG, readTriageConfigOption } from './local-options';

/**
 * `warden triage EVENT.json`: what Warden would decide for one finding, as JSON, without calling
 * AWS or changing anything. `-` reads the event from standard input.
 */
export interface TriageOptions {
  config: string;
}

/** One finding event is small; anything bigger is not one. */
const MAX_EVENT_BYTES = 10 * 1024 * 1024;

export function readEventText(path: string, stdin: () => string = readStdin): string {
  let text: string;
  try {
    text = path === '-' ? stdin() : readFileSync(path, 'utf8');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a folder' : e.message;
    throw new CliError(`cannot read ${path === '-' ? 'standard input' : path}: ${why}`);
  }
  if (Buffer.byteLength(text) > MAX_EVENT_BYTES) {
    throw new CliError(`${path} is larger than ${MAX_EVENT_BYTES / 1024 / 1024} MiB: not one finding event`);
  }
  return text;
}

export function triageText(text: string, source: string, config: WardenConfig): TriageReport {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${source} is not valid JSON: ${oneLine(error)}`);
  }
  try {
    return triageRecord(raw, config).report;
  } catch (error) {
    if (error instanceof InvalidFindingError) throw new CliError(`${source}: ${oneLine(error)}`);
    throw error;
  }
}

export function runTriage(
  path: string,
  options: TriageOptions,
  out: { write(text: string): void } = process.stdout,
  stdin?: () => string,
): TriageReport {
  const config = readTriageConfigOption(options.config);
  const report = triageText(readEventText(path, stdin), path === '-' ? 'standard input' : path, config);
  out.write(`${JSON.stringify(report, null, 2)}\n`);
  return report;
}

function readStdin(): string {
  return readFileSync(0, 'utf8');
}

export function registerTriage(program: Command): void {
  program
    .command('triage')
    .description('Show what Warden would decide for one GuardDuty finding event (changes nothing)')
    .argument('<event>', 'EventBridge finding event (or bare finding) as JSON; - for standard input')
    .option('--config <path>', 'Warden config file', DEFAULT_CONFIG)
    .action((event: string, options: TriageOptions) => {
      runTriage(event, options);
    });
}
