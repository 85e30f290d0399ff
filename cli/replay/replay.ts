import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { WardenConfig } from '../../config/schema';
import { InvalidFindingError } from '../../tasks/shared/errors';
import { oneLine, type TriageReport, triageRecord } from '../triage/report';
import { ReplayTally, type ReplayTotals } from './tally';

/**
 * `warden replay`: the configured policy over recorded findings, with no side effects. Input is
 * JSON lines (EventBridge events, bare findings, or findings as the GuardDuty API returns them),
 * read as a stream so that memory does not grow with the file, or a folder of `.json` files
 * (one event, or an array of them, per file; `.jsonl` files in it are read as JSON lines).
 */
export class ReplayInputError extends Error {
  override readonly name = 'ReplayInputError';
}

/** Where a record came from: `line 12`, or `events/a.json`, `events/b.json[3]`, `c.jsonl line 4`. */
export type Where = string;

export interface ReplayHandlers {
  /** Called for each finding in input order; a returned promise pauses reading until it settles. */
  onFinding?(report: TriageReport, where: Where): void | Promise<void>;
  onInvalid?(where: Where, error: string): void | Promise<void>;
}

export interface ReplayResult {
  totals: ReplayTotals;
  /** What was read: lines of a file, or files of a folder. */
  source: { kind: 'file' | 'folder' | 'stdin'; path: string; files?: number; lines?: number };
}

/** A folder's file may hold an array of events; each file is read whole, so it is capped. */
const MAX_FOLDER_FILE_BYTES = 64 * 1024 * 1024;

export async function replay(
  path: string,
  config: Pick<WardenConfig, 'response' | 'notifications'>,
  handlers: ReplayHandlers = {},
): Promise<ReplayResult> {
  const run = new Run(config, handlers);
  if (path === '-') {
    const lines = await run.lines(process.stdin, '');
    return nonEmpty({ totals: run.tally.totals(), source: { kind: 'stdin', path, lines } }, 'standard input');
  }
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new ReplayInputError(
      `cannot read ${path}: ${error.code === 'ENOENT' ? 'no such file or folder' : error.message}`,
    );
  });
  if (info.isDirectory()) {
    const files = await run.folder(path);
    if (files === 0) throw new ReplayInputError(`${path} holds no .json, .jsonl or .ndjson file`);
    return nonEmpty({ totals: run.tally.totals(), source: { kind: 'folder', path, files } }, path);
  }
  // A pretty-printed event (what `warden triage` takes) is one JSON value over many lines: read
  // whole, as a folder's .json file is, rather than line by line.
  if (info.size <= MAX_FOLDER_FILE_BYTES && (await isWholeJson(path))) {
    await run.jsonFile(path, path);
    return nonEmpty({ totals: run.tally.totals(), source: { kind: 'file', path, lines: 1 } }, path);
  }
  const lines = await run.lines(openFile(path), '');
  return nonEmpty({ totals: run.tally.totals(), source: { kind: 'file', path, lines } }, path);
}

/** An input with no finding in it is an error (exit 1), not an empty report. */
function nonEmpty(result: ReplayResult, name: string): ReplayResult {
  if (result.totals.findings > 0) return result;
  const invalid = result.totals.invalid.count;
  throw new ReplayInputError(
    invalid > 0
      ? `${name} holds no finding Warden can read (${invalid} invalid record(s), reported above)`
      : `${name} holds no finding: it is empty`,
  );
}

/** True when the file's first line is not a JSON value of its own but the whole file is one. */
async function isWholeJson(path: string): Promise<boolean> {
  // The first line decides, read from the file's head, so JSON lines are not read twice.
  const handle = await open(path);
  let head: string;
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
  const lines = head.split('\n');
  const firstLine = lines.find((line) => line.trim() !== '');
  // A first line longer than the head is a long JSON line, not a pretty-printed value.
  if (firstLine === undefined || lines.indexOf(firstLine) === lines.length - 1) return false;
  try {
    JSON.parse(firstLine);
    return false;
  } catch {
    try {
      JSON.parse(await readFile(path, 'utf8'));
      return true;
    } catch {
      return false;
    }
  }
}

class Run {
  readonly tally: ReplayTally;

  constructor(
    private readonly config: Pick<WardenConfig, 'response' | 'notifications'>,
    private readonly handlers: ReplayHandlers,
  ) {
    this.tally = new ReplayTally(config);
  }

  /** Reads JSON lines; returns how many lines there were. Blank lines are skipped. */
  async lines(input: Readable, prefix: string): Promise<number> {
    let number = 0;
    try {
      for await (const batch of lineBatches(input)) {
        for (const line of batch) {
          number += 1;
          if (line === TOO_LONG) {
            const pending = this.invalid(
              `${prefix}line ${number}`,
              `longer than ${MAX_LINE_BYTES / 1024 / 1024} MiB`,
            );
            if (pending) await pending;
            continue;
          }
          if (line.trim() === '') continue;
          const pending = this.record(() => JSON.parse(line), `${prefix}line ${number}`);
          if (pending) await pending;
        }
      }
    } catch (error) {
      if (isStreamError(error)) {
        throw new ReplayInputError(`cannot read ${prefix.trim() || 'the input'}: ${oneLine(error)}`);
      }
      throw error;
    }
    return number;
  }

  async folder(path: string): Promise<number> {
    const names = (await readdir(path, { withFileTypes: true }))
      .filter((e) => e.isFile() && /\.(json|jsonl|ndjson)$/i.test(e.name))
      .map((e) => e.name)
      .sort();
    for (const name of names) {
      const file = join(path, name);
      if (!/\.json$/i.test(name)) {
        await this.lines(openFile(file), `${name} `);
        continue;
      }
      const size = (await stat(file)).size;
      if (size > MAX_FOLDER_FILE_BYTES) {
        await this.invalid(
          name,
          `larger than ${MAX_FOLDER_FILE_BYTES / 1024 / 1024} MiB; split it into JSON lines`,
        );
        continue;
      }
      await this.jsonFile(file, name);
    }
    return names.length;
  }

  /** One JSON file read whole: an event, a finding, or an array of them. */
  async jsonFile(file: string, name: string): Promise<void> {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      await this.invalid(name, `not valid JSON: ${oneLine(error)}`);
      return;
    }
    const records = Array.isArray(raw) ? raw : [raw];
    for (let i = 0; i < records.length; i++) {
      const pending = this.record(() => records[i], Array.isArray(raw) ? `${name}[${i}]` : name);
      if (pending) await pending;
    }
  }

  /** Triages one record; returns a promise only when a handler asks to wait. */
  private record(read: () => unknown, where: Where): void | Promise<void> {
    let report: TriageReport;
    try {
      report = triageRecord(read(), this.config).report;
    } catch (error) {
      if (error instanceof SyntaxError) return this.invalid(where, `not valid JSON: ${oneLine(error)}`);
      if (error instanceof InvalidFindingError) return this.invalid(where, oneLine(error));
      throw error;
    }
    this.tally.add(report);
    return this.handlers.onFinding?.(report, where);
  }

  private invalid(where: Where, error: string): void | Promise<void> {
    this.tally.addInvalid(where, error);
    return this.handlers.onInvalid?.(where, error);
  }
}

function openFile(path: string): Readable {
  return createReadStream(path, { highWaterMark: 1024 * 1024 });
}

/** One finding is far smaller; a longer line is reported and skipped, not held in memory. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;
const TOO_LONG = Symbol('line too long');
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * The input's lines, a chunk's worth at a time. This replaced `readline`, which cost as much per
 * line as validating the finding: here each chunk is cut at newline bytes and each line decoded
 * on its own (a newline byte never occurs inside a multi-byte UTF-8 character), which measured
 * four times cheaper than decoding the chunk and splitting the text.
 */
export async function* lineBatches(
  input: AsyncIterable<Buffer | string>,
): AsyncGenerator<Array<string | typeof TOO_LONG>> {
  let rest: Buffer = Buffer.alloc(0);
  let skipping = false;
  for await (const piece of input) {
    const incoming = typeof piece === 'string' ? Buffer.from(piece) : piece;
    const chunk = rest.length ? Buffer.concat([rest, incoming]) : incoming;
    const batch: Array<string | typeof TOO_LONG> = [];
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      if (skipping) skipping = false;
      else
        batch.push(
          chunk.toString('utf8', start, end > start && chunk[end - 1] === CARRIAGE_RETURN ? end - 1 : end),
        );
      start = end + 1;
    }
    rest = chunk.subarray(start);
    if (rest.length > MAX_LINE_BYTES) {
      if (!skipping) batch.push(TOO_LONG);
      skipping = true;
      rest = Buffer.alloc(0);
    }
    if (batch.length) yield batch;
  }
  if (rest.length && !skipping) {
    const end = rest[rest.length - 1] === CARRIAGE_RETURN ? rest.length - 1 : rest.length;
    yield [rest.toString('utf8', 0, end)];
  }
}

function isStreamError(error: unknown): boolean {
  return typeof (error as NodeJS.ErrnoException)?.code === 'string';
}
