import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { DecisionRecord } from '../../../tasks/response/decision-record';
import { type ArchivedExecution, parseArchiveKey } from '../../../tasks/shared/archive-format';
import { ArchiveReadError } from '../errors';
import type { AuditFilter } from '../filters';
import {
  decidedInRange,
  decisionKeyMayMatch,
  keyMayMatch,
  parseArchive,
  parseArchivedDecision,
} from './archive-parse';
import type { ExecutionSource, ListedExecution } from './source';

/**
 * An archive on disk, as the local runtime writes it (`<dataDir>/archive`) or as copied from the
 * S3 archive: every `*.json` under the folder is one execution, except those under `decisions/`,
 * each one decision record. A single archive file works too.
 */
export class ArchiveFolderSource implements ExecutionSource {
  readonly description: string;

  constructor(private readonly root: string) {
    this.description = `archive folder ${root}`;
  }

  async list(filter: AuditFilter): Promise<ListedExecution[]> {
    return this.files()
      .filter(({ key }) => keyMayMatch(key, filter))
      .map(({ file, key }) => {
        const parsed = parseArchiveKey(key);
        return {
          ref: file,
          stateMachine: parsed?.stateMachine ?? '',
          name: parsed?.name ?? key,
          status: null,
          startDate: null,
        };
      });
  }

  async read(item: ListedExecution, onEvents: (count: number) => void): Promise<ArchivedExecution> {
    const archive = parseArchive(readOrThrow(item.ref), item.ref);
    onEvents(archive.events.length);
    return archive;
  }

  async decisions(filter: AuditFilter): Promise<DecisionRecord[]> {
    return this.files()
      .filter(({ key }) => decisionKeyMayMatch(key, filter))
      .map(({ file }) => parseArchivedDecision(readOrThrow(file), file))
      .filter((record) => decidedInRange(record, filter));
  }

  close(): void {}

  /** Every `*.json` under the folder (or the one file), with its key in the archive layout. */
  private files(): { file: string; key: string }[] {
    const stat = statOrThrow(this.root);
    const files = stat.isDirectory() ? walk(this.root) : [this.root];
    return files
      .filter((file) => file.endsWith('.json'))
      .map((file) => ({ file, key: relative(this.root, file).split(sep).join('/') }));
  }
}

function readOrThrow(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ArchiveReadError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

function statOrThrow(path: string) {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ArchiveReadError(
      code === 'ENOENT'
        ? `archive ${path} does not exist`
        : `cannot read archive ${path}: ${code ?? (error as Error).message}`,
    );
  }
}

function walk(folder: string): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch (error) {
    throw new ArchiveReadError(
      `cannot read archive folder ${folder}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  return entries
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) return walk(path);
      // A link is listed so that a broken one is reported, not skipped.
      return entry.isFile() || entry.isSymbolicLink() ? [path] : [];
    });
}
