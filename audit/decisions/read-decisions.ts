import { type DynamoDBDocumentClient, GetCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { DecisionRecord } from '../../tasks/response/decision-record';
import { DECISION_MONTHS_KEY } from '../../tasks/response/findings-table';
import { FINDINGS_BY_DECISION_MONTH_INDEX } from '../../tasks/shared/tables';
import { parseStoredJson } from '../stored-json';

/** The time range of decision records to read; null is open. */
export interface DecisionRange {
  since: Date | null;
  until: Date | null;
}

/** A stored decision record that is not one (hand-edited, or written by something else). */
export class DecisionRecordReadError extends Error {
  override readonly name = 'DecisionRecordReadError';
}

/**
 * The decision records of the findings table in a time range, oldest first: the months listed
 * in the DECISION_MONTHS item that overlap the range, then one Query of the `byDecisionMonth`
 * index per month, bounded by the range on `decidedAt`. Reads nothing else of the table.
 */
export async function readDecisionRecords(
  doc: DynamoDBDocumentClient,
  table: string,
  range: DecisionRange,
): Promise<DecisionRecord[]> {
  const listed = await doc.send(
    new GetCommand({ TableName: table, Key: { pk: DECISION_MONTHS_KEY }, ProjectionExpression: 'months' }),
  );
  const months = [...((listed.Item?.months as Set<string> | undefined) ?? [])]
    .filter((m) => inRange(m, range))
    .sort();
  const records: DecisionRecord[] = [];
  for (const month of months) {
    const bounds = keyBounds(range);
    const pages = paginateQuery(
      { client: doc, pageSize: 1000 },
      {
        TableName: table,
        IndexName: FINDINGS_BY_DECISION_MONTH_INDEX,
        KeyConditionExpression: `decisionMonth = :m${bounds.condition}`,
        ExpressionAttributeValues: { ':m': month, ...bounds.values },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) records.push(parseDecisionItem(item));
    }
  }
  return records;
}

/** One item of the index: its `record` attribute, checked. */
export function parseDecisionItem(item: Record<string, unknown>): DecisionRecord {
  const where = `decision record ${String(item.pk)}`;
  return parseDecisionRecord(typeof item.record === 'string' ? item.record : '', where);
}

/** The JSON of one decision record, checked: one that is not says where and why. */
export function parseDecisionRecord(text: string, where: string): DecisionRecord {
  return parseStoredJson(
    DecisionRecord,
    text,
    where,
    'a Warden decision record',
    (message) => new DecisionRecordReadError(message),
  );
}

function inRange(month: string, range: DecisionRange): boolean {
  if (range.since && month < range.since.toISOString().slice(0, 7)) return false;
  if (range.until && month > range.until.toISOString().slice(0, 7)) return false;
  return true;
}

function keyBounds(range: DecisionRange): { condition: string; values: Record<string, string> } {
  const since = range.since?.toISOString();
  const until = range.until?.toISOString();
  if (since && until)
    return { condition: ' AND decidedAt BETWEEN :s AND :u', values: { ':s': since, ':u': until } };
  if (since) return { condition: ' AND decidedAt >= :s', values: { ':s': since } };
  if (until) return { condition: ' AND decidedAt <= :u', values: { ':u': until } };
  return { condition: '', values: {} };
}
