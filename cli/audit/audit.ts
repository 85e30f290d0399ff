import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AuditStory } from '../../audit/model';
import { renderCsv } from '../../audit/render/csv';
import { renderHtml } from '../../audit/render/html';
import { renderJson } from '../../audit/render/json';
import { renderTable } from '../../audit/render/table';
import { buildStory } from '../../audit/story';
import { buildDecisionStory } from '../../audit/story-decision';
import { OUTPUTS } from '../../infra/outputs';
import { Progress, type ProgressStream } from '../progress';
import { checkProfile } from '../target/aws-profile';
import { resolveTarget, stackOutput } from '../target/warden-target';
import { OutputError, UsageError } from './errors';
import { type AuditFilter, type FilterOptions, matchesListing, matchesStory, parseFilter } from './filters';
import { selectWorkflows, wantsDecisions } from './select-workflows';
import { ArchiveFolderSource } from './sources/archive-folder';
import { S3ArchiveSource } from './sources/archive-s3';
import { tableDecisionReader } from './sources/decisions';
import { DEFAULT_DATA_DIR, readRuntimeInfo, runtimeInfoFile } from './sources/runtime-info';
import type { ExecutionSource } from './sources/source';
import { StepFunctionsSource } from './sources/step-functions';

/**
 * `warden audit` without the command line: pick the source, list what the filters allow, read
 * each execution's full history, tell its story, render, write.
 */
export const FORMATS = ['table', 'json', 'csv', 'html'] as const;
export type AuditFormat = (typeof FORMATS)[number];

export interface AuditOptions extends FilterOptions {
  format?: string;
  out?: string;
  region?: string;
  profile?: string;
  endpoint?: string;
  archive?: string;
  /** The local runtime's data folder: its runtime.json, and its archive once it has stopped. */
  dataDir?: string;
  progress?: boolean;
}

export interface AuditIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
  now?: () => Date;
  /** Where `.warden/runtime.json` is looked for. @default process.cwd() */
  cwd?: string;
}

export interface AuditResult {
  stories: AuditStory[];
  rendered: string;
}

/** Executions read at once: enough to hide latency to AWS, few enough not to be throttled. */
const READ_CONCURRENCY = 4;

export async function runAudit(options: AuditOptions, io: AuditIo): Promise<AuditResult> {
  const now = io.now?.() ?? new Date();
  const format = parseFormat(options.format);
  const filter = parseFilter(options, now);
  if (options.endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(options.endpoint)) {
    throw new UsageError(`--endpoint must be an http(s) URL, got '${options.endpoint}'`);
  }
  if (options.profile !== undefined) checkProfile(options.profile);
  const source = await openSource(options, io);
  try {
    const stories = await readStories(source, filter, Progress.for(io.stderr, options.progress === true));
    const rendered = render(format, stories, {
      source: source.description,
      generatedAt: now,
      filters: describeFilter(options),
    });
    if (options.out) {
      try {
        writeFileSync(options.out, rendered);
      } catch (error) {
        throw new OutputError(
          `cannot write ${options.out}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        );
      }
    } else {
      io.stdout.write(rendered);
    }
    return { stories, rendered };
  } finally {
    source.close();
  }
}

function parseFormat(value: string | undefined): AuditFormat {
  const format = value ?? 'table';
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got '${format}'`);
  }
  return format as AuditFormat;
}

/**
 * Where the executions are read, in this order: the archive when `--archive` is given; Warden in
 * AWS with `--region`/`--profile` (its state machines from the security stack's outputs); the
 * running Warden at `--endpoint`; the local runtime of `<data dir>/runtime.json` — or, once that
 * runtime has stopped, the archive it left in `<data dir>/archive`.
 */
export async function openSource(
  options: AuditOptions,
  io: Partial<Pick<AuditIo, 'cwd' | 'stderr'>> = {},
): Promise<ExecutionSource> {
  if (options.archive !== undefined) {
    if (options.archive.trim() === '')
      throw new UsageError('--archive must name a folder or s3://bucket/prefix');
    if (options.archive.startsWith('s3://')) {
      return new S3ArchiveSource({
        url: options.archive,
        region: options.region,
        profile: options.profile,
        endpoint: options.endpoint,
      });
    }
    return new ArchiveFolderSource(options.archive);
  }
  if (options.region !== undefined || options.profile !== undefined || options.endpoint !== undefined) {
    const target = await resolveTarget(options, io.cwd);
    if (target.kind === 'aws') {
      const wanted = selectWorkflows(options.workflow);
      return new StepFunctionsSource({
        ...target.client,
        description: target.description,
        machines: wanted.map((w) => ({
          name: w.stateMachineName,
          arn: stackOutput(target, OUTPUTS.stateMachineArn(w.name)),
        })),
        // The findings table only when the records are asked for: `--workflow reconcile` reads
        // state machines alone.
        decisions: wantsDecisions(options.workflow)
          ? tableDecisionReader(
              target.client,
              stackOutput(target, OUTPUTS.tableName('findings')),
              target.description,
            )
          : undefined,
      });
    }
    return new StepFunctionsSource({ endpoint: target.endpoint });
  }
  const cwd = io.cwd ?? process.cwd();
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const archive = resolve(cwd, dataDir, 'archive');
  if (!existsSync(runtimeInfoFile(cwd, dataDir)) && existsSync(archive)) {
    io.stderr?.write(`no local runtime is running; reading the archive it left in ${archive}\n`);
    return new ArchiveFolderSource(archive);
  }
  const { sfnEndpoint } = readRuntimeInfo(cwd, dataDir);
  if (!(await answers(sfnEndpoint)) && existsSync(archive)) {
    io.stderr?.write(
      `the local runtime at ${sfnEndpoint} has stopped; reading the archive it left in ${archive}\n`,
    );
    return new ArchiveFolderSource(archive);
  }
  return new StepFunctionsSource({ endpoint: sfnEndpoint });
}

/** Whether anything answers HTTP at the address: a stopped runtime refuses the connection. */
async function answers(origin: string): Promise<boolean> {
  try {
    await fetch(origin, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

async function readStories(
  source: ExecutionSource,
  filter: AuditFilter,
  progress: Progress,
): Promise<AuditStory[]> {
  const listed = (await source.list(filter)).filter(
    (item) =>
      item.status === null ||
      item.startDate === null ||
      matchesListing(filter, { status: item.status, startDate: item.startDate }),
  );
  const stories: AuditStory[] = [];
  const eventsRead = new Map<number, number>();
  const total = () => [...eventsRead.values()].reduce((a, b) => a + b, 0);
  let done = 0;
  let next = 0;
  progress.update(0, listed.length, 0);
  const worker = async () => {
    while (next < listed.length) {
      const position = next++;
      const archive = await source.read(listed[position]!, (count) => {
        eventsRead.set(position, count);
        progress.update(done, listed.length, total());
      });
      const story = buildStory(archive);
      if (matchesStory(filter, story)) stories.push(story);
      done += 1;
      progress.update(done, listed.length, total());
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, listed.length) }, worker));
  } finally {
    progress.finish();
  }
  // Ignored findings started no execution: their decision records tell those stories.
  if (filter.decisions) {
    for (const record of await source.decisions(filter)) {
      const story = buildDecisionStory(record);
      if (matchesStory(filter, story)) stories.push(story);
    }
  }
  // Newest first, as Step Functions lists them; the name breaks ties so the order is stable.
  return stories.sort(
    (a, b) =>
      compare(b.execution.startedAt, a.execution.startedAt) ||
      compare(a.execution.stateMachine, b.execution.stateMachine) ||
      compare(a.execution.name, b.execution.name),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function render(
  format: AuditFormat,
  stories: AuditStory[],
  context: { source: string; generatedAt: Date; filters: string },
): string {
  switch (format) {
    case 'json':
      return renderJson(stories);
    case 'csv':
      return renderCsv(stories);
    case 'html':
      return renderHtml(stories, context);
    case 'table':
      return renderTable(stories);
  }
}

function describeFilter(options: FilterOptions): string {
  return (['workflow', 'status', 'since', 'until', 'account', 'finding', 'address'] as const)
    .filter((k) => options[k] !== undefined)
    .map((k) => `--${k} ${options[k]}`)
    .join(' ');
}
