import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type ArchivedExecution, archiveKey } from '../tasks/audit/archive-format';
import type { ExecutionStore } from './history';

/**
 * The local counterpart of the ArchiveExecution task: writes one execution's record and full
 * history to `<folder>/executions/<stateMachine>/<yyyy>/<mm>/<dd>/<name>.json`, the same layout
 * and JSON as the S3 archive, so `warden audit --archive <folder>` reads either.
 *
 * Written to a temporary name and renamed, so a reader never sees half a file.
 * @returns the file written
 */
export function archiveToFolder(store: ExecutionStore, executionArn: string, folder: string): string {
  const archive: ArchivedExecution = {
    execution: { ...store.get(executionArn) },
    events: store.history(executionArn).map((event) => ({ ...event })),
  };
  const file = join(folder, ...archiveKey(archive.execution).split('/'));
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(archive));
  renameSync(temporary, file);
  return file;
}
