import { DescribeExecutionCommand, paginateGetExecutionHistory, type SFNClient } from '@aws-sdk/client-sfn';
import {
  type ArchivedExecution,
  ArchivedExecutionRecord,
  type ArchivedHistoryEvent,
  toArchiveJson,
} from '../shared/archive-format';

/** The largest page GetExecutionHistory returns: fewer round trips for long histories. */
export const HISTORY_PAGE_SIZE = 1000;

/**
 * One execution and its full history through the Step Functions API: DescribeExecution, then
 * GetExecutionHistory page by page until there is no nextToken. `onPage` hears how many events
 * have been read so far (for a progress bar).
 */
export async function readExecution(
  sfn: SFNClient,
  executionArn: string,
  onPage: (eventsSoFar: number) => void = () => undefined,
): Promise<ArchivedExecution> {
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const execution = ArchivedExecutionRecord.parse(toArchiveJson(described));
  const events: ArchivedHistoryEvent[] = [];
  const pages = paginateGetExecutionHistory(
    { client: sfn, pageSize: HISTORY_PAGE_SIZE },
    { executionArn, includeExecutionData: true },
  );
  for await (const page of pages) {
    for (const event of page.events ?? []) events.push(toArchiveJson(event) as ArchivedHistoryEvent);
    onPage(events.length);
  }
  return { execution, events };
}
