import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Executions and their histories, in the shapes Step Functions returns from `DescribeExecution`
 * and `GetExecutionHistory`. Kept in memory for the runtime's endpoint and, when a data folder is
 * given, written under `<dataDir>/executions/<stateMachine>/<execution>/` so that another process
 * (`warden audit --archive`, the console) can read them:
 *   execution.json   the DescribeExecution record, rewritten when the execution ends
 *   history.jsonl    one history event per line, appended as they happen
 * A runtime started again on the same folder starts afresh, as a new deployment would, and may
 * give an execution a name an earlier run used (names come from findings and events). The
 * earlier run's files are kept: the later execution's folder is `<execution>~2` (`~3`, ...), a
 * suffix no execution name can have, since Step Functions refuses `~` in names (StartExecution).
 */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  /** ISO 8601 times, as the JSON protocol carries them (epoch seconds on the wire). */
  startDate: string;
  stopDate?: string;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
}

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: string;
  type: string;
  [details: string]: unknown;
}

export class ExecutionNotFoundError extends Error {
  override readonly name = 'ExecutionDoesNotExist';
}

export class ExecutionStore {
  private readonly records = new Map<string, ExecutionRecord>();
  private readonly histories = new Map<string, HistoryEvent[]>();
  /** Each execution's folder, chosen when it is created so that no earlier run's is reused. */
  private readonly folders = new Map<string, string>();

  /** @param dataDir where to persist; memory only when omitted. */
  constructor(readonly dataDir?: string) {}

  create(record: ExecutionRecord): void {
    this.records.set(record.executionArn, record);
    this.histories.set(record.executionArn, []);
    if (this.dataDir) this.folders.set(record.executionArn, this.freeFolder(record));
    this.persistRecord(record);
  }

  get(executionArn: string): ExecutionRecord {
    const record = this.records.get(executionArn);
    if (!record) throw new ExecutionNotFoundError(`Execution Does Not Exist: '${executionArn}'`);
    return record;
  }

  has(executionArn: string): boolean {
    return this.records.has(executionArn);
  }

  update(executionArn: string, patch: Partial<ExecutionRecord>): ExecutionRecord {
    const record = { ...this.get(executionArn), ...patch };
    this.records.set(executionArn, record);
    this.persistRecord(record);
    return record;
  }

  /** Appends an event, numbering it; `previousEventId` defaults to the event before it. */
  append(
    executionArn: string,
    event: Omit<HistoryEvent, 'id' | 'previousEventId'> & { previousEventId?: number },
  ): HistoryEvent {
    const history = this.histories.get(executionArn);
    if (!history) throw new ExecutionNotFoundError(`Execution Does Not Exist: '${executionArn}'`);
    const id = history.length + 1;
    const full = { ...event, id, previousEventId: event.previousEventId ?? id - 1 } as HistoryEvent;
    history.push(full);
    if (this.dataDir)
      appendFileSync(
        join(this.folderOf(this.get(executionArn)), 'history.jsonl'),
        `${JSON.stringify(full)}\n`,
      );
    return full;
  }

  history(executionArn: string): readonly HistoryEvent[] {
    this.get(executionArn);
    return this.histories.get(executionArn) ?? [];
  }

  list(filter: { stateMachineArn?: string; status?: ExecutionStatus } = {}): ExecutionRecord[] {
    return [...this.records.values()]
      .filter((r) => !filter.stateMachineArn || r.stateMachineArn === filter.stateMachineArn)
      .filter((r) => !filter.status || r.status === filter.status)
      .sort((a, b) => b.startDate.localeCompare(a.startDate) || b.name.localeCompare(a.name));
  }

  /** Reads every execution persisted under `dataDir` (for another process). */
  static load(dataDir: string): ExecutionStore {
    const store = new ExecutionStore();
    const root = join(dataDir, 'executions');
    if (!existsSync(root)) return store;
    for (const machine of readdirSync(root)) {
      for (const execution of readdirSync(join(root, machine))) {
        const folder = join(root, machine, execution);
        const recordFile = join(folder, 'execution.json');
        if (!existsSync(recordFile)) continue;
        const record = JSON.parse(readFileSync(recordFile, 'utf8')) as ExecutionRecord;
        const historyFile = join(folder, 'history.jsonl');
        const events = existsSync(historyFile)
          ? readFileSync(historyFile, 'utf8')
              .split('\n')
              .filter(Boolean)
              .map((line) => JSON.parse(line) as HistoryEvent)
          : [];
        // Of an earlier and a later run's execution of one name, the later one is kept here.
        const known = store.records.get(record.executionArn);
        if (known && known.startDate > record.startDate) continue;
        store.records.set(record.executionArn, record);
        store.histories.set(record.executionArn, events);
      }
    }
    return store;
  }

  private persistRecord(record: ExecutionRecord): void {
    if (!this.dataDir) return;
    const folder = this.folderOf(record);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'execution.json'), `${JSON.stringify(record, null, 2)}\n`);
  }

  private folderOf(record: ExecutionRecord): string {
    return this.folders.get(record.executionArn) ?? this.freeFolder(record);
  }

  /** `<dataDir>/executions/<stateMachine>/<execution>`, or with `~2`, `~3`, ... when an earlier run has it. */
  private freeFolder(record: ExecutionRecord): string {
    const machine = record.stateMachineArn.split(':').pop() ?? 'unknown';
    const base = join(this.dataDir ?? '.', 'executions', machine, record.name);
    let folder = base;
    for (let n = 2; existsSync(folder); n++) folder = `${base}~${n}`;
    return folder;
  }
}
