import type { DecisionRecord } from '../../../tasks/response/decision-record';
import type { ArchivedExecution } from '../../../tasks/shared/archive-format';
import type { AuditFilter } from '../filters';

/** One execution a source knows of, before its history is read. */
export interface ListedExecution {
  /** What `read` needs: an execution ARN, a file path or an object key. */
  ref: string;
  stateMachine: string;
  name: string;
  /** Known from a Step Functions listing; an archive only knows them once read. */
  status: string | null;
  startDate: string | null;
}

/**
 * Where executions come from: the Step Functions API (AWS or the local runtime's endpoint) or
 * an archive (a folder or an S3 prefix). Every source yields the same archive JSON, so every
 * source tells the same story. Beside them, each gives the decision records of ignored
 * findings, which start no execution (the findings table, or the archive's `decisions/`).
 */
export interface ExecutionSource {
  /** For messages: `Step Functions at http://127.0.0.1:…`, `archive folder ./x`. */
  readonly description: string;
  list(filter: AuditFilter): Promise<ListedExecution[]>;
  /** `onEvents` hears how many history events have been read so far. */
  read(item: ListedExecution, onEvents: (count: number) => void): Promise<ArchivedExecution>;
  /** The decision records in the filter's time range (the other filters apply to their stories). */
  decisions(filter: AuditFilter): Promise<DecisionRecord[]>;
  close(): void;
}
