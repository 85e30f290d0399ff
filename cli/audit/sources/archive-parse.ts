import { ArchivedExecution, parseArchiveKey } from '../../../tasks/shared/archive-format';
import { ArchiveReadError } from '../errors';
import type { AuditFilter } from '../filters';

/** The text of one archived execution, checked: a file that is not one says where and why. */
export function parseArchive(text: string, where: string): ArchivedExecution {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ArchiveReadError(`${where} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = ArchivedExecution.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map(String).join('.') || '(top level)';
    throw new ArchiveReadError(
      `${where} is not a Warden execution archive ({ execution, events }): ${path}: ${issue.message}`,
    );
  }
  return parsed.data;
}

/**
 * Whether a key in the archive layout can hold an execution the filter wants: its workflow, and
 * its start day against the time range (to the day; the exact time is checked once read).
 */
export function keyMayMatch(key: string, filter: AuditFilter): boolean {
  const parsed = parseArchiveKey(key);
  if (!parsed) return true;
  if (!filter.workflows.some((w) => w.stateMachineName === parsed.stateMachine)) return false;
  if (filter.since && parsed.day < filter.since.toISOString().slice(0, 10)) return false;
  if (filter.until && parsed.day > filter.until.toISOString().slice(0, 10)) return false;
  return true;
}
