import { DecisionRecordReadError, parseDecisionRecord } from '../../../audit/decisions/read-decisions';
import { parseStoredJson } from '../../../audit/stored-json';
import { type DecisionRecord, parseDecisionArchiveKey } from '../../../tasks/response/decision-record';
import { ArchivedExecution, parseArchiveKey } from '../../../tasks/shared/archive-format';
import { ArchiveReadError } from '../errors';
import type { AuditFilter } from '../filters';

/** The text of one archived execution, checked: a file that is not one says where and why. */
export function parseArchive(text: string, where: string): ArchivedExecution {
  return parseStoredJson(
    ArchivedExecution,
    text,
    where,
    'a Warden execution archive ({ execution, events })',
    (message) => new ArchiveReadError(message),
  );
}

/**
 * Whether a key in the archive layout can hold an execution the filter wants: its workflow, and
 * its start day against the time range (to the day; the exact time is checked once read).
 */
export function keyMayMatch(key: string, filter: AuditFilter): boolean {
  if (parseDecisionArchiveKey(key)) return false;
  const parsed = parseArchiveKey(key);
  if (!parsed) return true;
  if (!filter.workflows.some((w) => w.stateMachineName === parsed.stateMachine)) return false;
  if (filter.since && parsed.day < filter.since.toISOString().slice(0, 10)) return false;
  if (filter.until && parsed.day > filter.until.toISOString().slice(0, 10)) return false;
  return true;
}

/** Whether a key is a decision record's the filter can want: by its day against the time range. */
export function decisionKeyMayMatch(key: string, filter: AuditFilter): boolean {
  const parsed = parseDecisionArchiveKey(key);
  if (!parsed || !filter.decisions) return false;
  if (filter.since && parsed.day < filter.since.toISOString().slice(0, 10)) return false;
  if (filter.until && parsed.day > filter.until.toISOString().slice(0, 10)) return false;
  return true;
}

/** The text of one archived decision record, checked; the exact time is checked against the range. */
export function parseArchivedDecision(text: string, where: string): DecisionRecord {
  try {
    return parseDecisionRecord(text, where);
  } catch (error) {
    if (error instanceof DecisionRecordReadError) throw new ArchiveReadError(error.message);
    throw error;
  }
}

/** Whether a decision record falls inside the filter's time range. */
export function decidedInRange(record: DecisionRecord, filter: AuditFilter): boolean {
  const at = Date.parse(record.decidedAt);
  if (filter.since && at < filter.since.getTime()) return false;
  if (filter.until && at > filter.until.getTime()) return false;
  return true;
}
