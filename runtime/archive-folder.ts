import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type DecisionRecord, decisionArchiveKey } from '../tasks/response/decision-record';
import { type ArchivedExecution, archiveKey } from '../tasks/shared/archive-format';
import type { ExecutionStore } from './history';

/**
 * The local counterpart of the ArchiveExecution task: writes one execution's record and full
 * history to `<folder>/executions/<stateMachine>/<yyyy>/<mm>/<dd>/<name>.json`, the same layout
 * and JSON as the S3 archive, so `warden audit --archive <folder>` reads either.
 *
 * An earlier execution of the same name (a runtime started again on the same folder reuses
 * names that come from findings and events) is never overwritten: the later one is written as
 * `<name>~2.json` (`~3`, ...), a suffix no execution name can have (Step Functions refuses `~` in
 * names, StartExecution). In AWS the archive bucket is versioned and keeps both objects.
 *
 * Written to a temporary name and renamed, so a reader never sees half a file.
 * @returns the file written
 */
export function archiveToFolder(store: ExecutionStore, executionArn: string, folder: string): string {
  const archive: ArchivedExecution = {
    execution: { ...store.get(executionArn) },
    events: store.history(executionArn).map((event) => ({ ...event })),
  };
  const file = freeFile(join(folder, ...archiveKey(archive.execution).split('/')), archive.execution);
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(archive));
  renameSync(temporary, file);
  return file;
}

/** The archive file for this execution: its own earlier copy, or the first name no other execution holds. */
function freeFile(file: string, execution: ArchivedExecution['execution']): string {
  const base = file.slice(0, -'.json'.length);
  let candidate = file;
  for (let n = 2; existsSync(candidate) && !holds(candidate, execution); n++) candidate = `${base}~${n}.json`;
  return candidate;
}

function holds(file: string, execution: ArchivedExecution['execution']): boolean {
  try {
    const archived = (JSON.parse(readFileSync(file, 'utf8')) as ArchivedExecution).execution;
    return archived.executionArn === execution.executionArn && archived.startDate === execution.startDate;
  } catch {
    // Not a readable archive of any execution: keep it, and write beside it.
    return false;
  }
}

/**
 * Keeps a decision record the intake made (an ignored finding, which starts no execution) at
 * `<folder>/decisions/<yyyy>/<mm>/<dd>/<name>.json`. The local findings table lives in memory,
 * so this copy is what `warden audit` reads of the decision once the runtime has stopped. A
 * record's name is unique per finding version, and a record is written once: the same name is
 * the same decision.
 * @returns the file written
 */
export function archiveDecisionToFolder(record: DecisionRecord, folder: string): string {
  const file = join(folder, ...decisionArchiveKey(record).split('/'));
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(record));
  renameSync(temporary, file);
  return file;
}
