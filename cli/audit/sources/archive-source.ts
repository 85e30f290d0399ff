import type { DecisionRecord } from '../../../tasks/response/decision-record';
import { type ArchivedExecution, parseArchiveKey } from '../../../tasks/shared/archive-format';
import type { AuditFilter } from '../filters';
import {
  decidedInRange,
  decisionKeyMayMatch,
  keyMayMatch,
  parseArchive,
  parseArchivedDecision,
} from './archive-parse';
import type { ExecutionSource, ListedExecution } from './source';

/** An object of the archive: its key in the archive layout and what it is read by. */
export interface ArchiveObject {
  key: string;
  /** A file path or an object key. */
  ref: string;
  /** Known when the object was listed under its workflow's prefix. */
  stateMachine?: string;
}

/**
 * What the archive sources share (a folder on disk, an S3 bucket): the archive layout, and
 * executions and decision records read, checked and filtered the same way. Each source says only
 * how it lists the archive's objects and reads one's text.
 */
export abstract class ArchiveSource implements ExecutionSource {
  abstract readonly description: string;

  /** The objects that may hold executions of the filter's workflows. */
  protected abstract executionObjects(filter: AuditFilter): Promise<ArchiveObject[]>;
  /** The objects that may hold decision records. */
  protected abstract decisionObjects(): Promise<ArchiveObject[]>;
  protected abstract readText(ref: string): Promise<string>;
  /** Where the object is, for messages. */
  protected abstract where(ref: string): string;
  abstract close(): void;

  async list(filter: AuditFilter): Promise<ListedExecution[]> {
    return (await this.executionObjects(filter))
      .filter(({ key }) => keyMayMatch(key, filter))
      .map(({ key, ref, stateMachine }) => {
        const parsed = parseArchiveKey(key);
        return {
          ref,
          stateMachine: stateMachine ?? parsed?.stateMachine ?? '',
          name: parsed?.name ?? key,
          status: null,
          startDate: null,
        };
      });
  }

  async read(item: ListedExecution, onEvents: (count: number) => void): Promise<ArchivedExecution> {
    const archive = parseArchive(await this.readText(item.ref), this.where(item.ref));
    onEvents(archive.events.length);
    return archive;
  }

  async decisions(filter: AuditFilter): Promise<DecisionRecord[]> {
    const wanted = (await this.decisionObjects()).filter(({ key }) => decisionKeyMayMatch(key, filter));
    const records: DecisionRecord[] = [];
    for (const { ref } of wanted) {
      const record = parseArchivedDecision(await this.readText(ref), this.where(ref));
      if (decidedInRange(record, filter)) records.push(record);
    }
    return records;
  }
}
