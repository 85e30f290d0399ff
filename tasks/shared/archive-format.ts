import * as z from 'zod';

/**
 * The archive of one finished execution: what DescribeExecution and every page of
 * GetExecutionHistory returned, with times as ISO 8601 text. The Lambda task writes it to S3,
 * the local runtime to a folder, and `warden audit --archive` reads it back; the key layout is
 * shared so that a day's or a workflow's executions can be listed by prefix.
 *
 * It lives in tasks/shared/ because both sides read it: the archiver (tasks/audit/) writes it and
 * the audit library (audit/, a layer above tasks/) reads it. In audit/ the archiver would import a
 * higher layer; in tasks/audit/ the audit library reaches into a task's own code.
 */
export const ArchivedExecutionRecord = z.looseObject({
  executionArn: z.string().min(1),
  stateMachineArn: z.string().min(1),
  name: z.string().min(1),
  status: z.string().min(1),
  startDate: z.iso.datetime({ offset: true }),
  stopDate: z.iso.datetime({ offset: true }).optional(),
  input: z.string().optional(),
  output: z.string().optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
});
export type ArchivedExecutionRecord = z.infer<typeof ArchivedExecutionRecord>;

export const ArchivedHistoryEvent = z.looseObject({
  id: z.number().int().min(1),
  previousEventId: z.number().int().min(0).optional(),
  timestamp: z.iso.datetime({ offset: true }),
  type: z.string().min(1),
});
export type ArchivedHistoryEvent = z.infer<typeof ArchivedHistoryEvent>;

export const ArchivedExecution = z.object({
  execution: ArchivedExecutionRecord,
  events: z.array(ArchivedHistoryEvent),
});
export type ArchivedExecution = z.infer<typeof ArchivedExecution>;

export const ARCHIVE_ROOT = 'executions';

/** The state machine's name: the last part of its ARN. */
export function stateMachineNameOf(stateMachineArn: string): string {
  return stateMachineArn.split(':').at(-1) || 'unknown';
}

/** `executions/<stateMachine>/<yyyy>/<mm>/<dd>/<executionName>.json`, dated by the start (UTC). */
export function archiveKey(
  execution: Pick<ArchivedExecutionRecord, 'stateMachineArn' | 'name' | 'startDate'>,
): string {
  const day = new Date(execution.startDate).toISOString().slice(0, 10).split('-');
  return [ARCHIVE_ROOT, stateMachineNameOf(execution.stateMachineArn), ...day, `${execution.name}.json`].join(
    '/',
  );
}

/**
 * Where a key says the execution belongs, or undefined for a key outside the layout. A later
 * execution of an earlier one's name, archived beside it as `<name>~2.json`, has that name.
 */
export function parseArchiveKey(
  key: string,
): { stateMachine: string; day: string; name: string } | undefined {
  const match = /(?:^|\/)executions\/([^/]+)\/(\d{4})\/(\d{2})\/(\d{2})\/([^/~]+)(?:~\d+)?\.json$/.exec(key);
  if (!match) return undefined;
  const [, stateMachine, yyyy, mm, dd, name] = match;
  return { stateMachine: stateMachine!, day: `${yyyy}-${mm}-${dd}`, name: name! };
}

/**
 * SDK output as archive JSON: Dates become ISO text (as `JSON.stringify` writes them), the
 * response metadata and absent fields go.
 */
export function toArchiveJson<T extends object>(sdkOutput: T): Record<string, unknown> {
  const { $metadata: _metadata, ...rest } = sdkOutput as T & { $metadata?: unknown };
  return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
}
