import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { ArchiveReadError } from '../errors';
import { type ArchiveObject, ArchiveSource } from './archive-source';

/**
 * An archive on disk, as the local runtime writes it (`<dataDir>/archive`) or as copied from the
 * S3 archive: every `*.json` under the folder is one execution, except those under `decisions/`,
 * each one decision record. A single archive file works too.
 */
export class ArchiveFolderSource extends ArchiveSource {
  readonly description: string;

  constructor(private readonly root: string) {
    super();
    this.description = `archive folder ${root}`;
  }

  protected async executionObjects(): Promise<ArchiveObject[]> {
    return this.files();
  }

  protected async decisionObjects(): Promise<ArchiveObject[]> {
    return this.files();
  }

  protected async readText(ref: string): Promise<string> {
    return readOrThrow(ref);
  }

  protected where(ref: string): string {
    return ref;
  }

  close(): void {}

  /** Every `*.json` under the folder (or the one file), with its key in the archive layout. */
  private files(): ArchiveObject[] {
    const stat = statOrThrow(this.root);
    const files = stat.isDirectory() ? walk(this.root) : [this.root];
    return files
      .filter((file) => file.endsWith('.json'))
      .map((file) => ({ ref: file, key: relative(this.root, file).split(sep).join('/') }));
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
