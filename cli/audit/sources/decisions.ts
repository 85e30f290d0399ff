import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type DecisionRange, readDecisionRecords } from '../../../audit/decisions/read-decisions';
import type { DecisionRecord } from '../../../tasks/response/decision-record';
import { SourceUnavailableError } from '../errors';
import { describeSdkFailure } from './sdk-errors';

/**
 * Where the decision records of ignored findings come from beside the executions: the findings
 * table in AWS, or a running Warden's `POST /api/decisions` (which reads its own table).
 */
export interface DecisionReader {
  read(range: DecisionRange): Promise<DecisionRecord[]>;
  close(): void;
}

/** The findings table of Warden in AWS (its name from the security stack's outputs). */
export function tableDecisionReader(
  client: { region?: string; profile?: string },
  table: string,
  where: string,
): DecisionReader {
  const config: DynamoDBClientConfig = { maxAttempts: 2 };
  if (client.region) config.region = client.region;
  if (client.profile) config.profile = client.profile;
  const dynamo = new DynamoDBClient(config);
  const doc = DynamoDBDocumentClient.from(dynamo);
  return {
    async read(range) {
      try {
        return await readDecisionRecords(doc, table, range);
      } catch (error) {
        if ((error as Error).name === 'DecisionRecordReadError')
          throw new SourceUnavailableError((error as Error).message);
        throw new SourceUnavailableError(
          describeSdkFailure(error, `reading the decision records of ${table}`, where),
        );
      }
    },
    close: () => dynamo.destroy(),
  };
}

/** A running Warden (the local runtime, or `--endpoint`): its decisions API. */
export function runningDecisionReader(endpoint: string): DecisionReader {
  return {
    async read(range) {
      const query = {
        ...(range.since ? { since: range.since.toISOString() } : {}),
        ...(range.until ? { until: range.until.toISOString() } : {}),
      };
      const response = await fetch(`${endpoint}/api/decisions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(query),
      }).catch((error: Error) => {
        throw new SourceUnavailableError(
          `cannot reach ${endpoint} while reading its decision records (${error.message})`,
        );
      });
      const body = (await response.json().catch(() => ({}))) as {
        records?: DecisionRecord[];
        message?: string;
      };
      if (response.status !== 200 || !Array.isArray(body.records)) {
        throw new SourceUnavailableError(
          `Warden at ${endpoint} did not give its decision records (HTTP ${response.status}${body.message ? `: ${body.message}` : ''})`,
        );
      }
      return body.records;
    },
    close: () => undefined,
  };
}
