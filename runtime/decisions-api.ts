import type { IncomingMessage, ServerResponse } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { readDecisionRecords } from '../audit/decisions/read-decisions';
import type { DecisionRecord } from '../tasks/response/decision-record';
import type { TaskDeps } from '../tasks/shared/task';
import type { LocalWarden } from './local-warden';
import { parseQueryBody, type QueryApiResult, queryReplyBody } from './query-api';
import { readBodyWithin } from './request-body';

/**
 * What `warden audit` reads of a running local Warden's decision records (`POST /api/decisions`):
 * the findings table's records in a time range, read as in AWS (readDecisionRecords). The
 * table lives on this process's dynalite, so the runtime reads it on the CLI's behalf.
 */
export const DECISIONS_PATH = '/api/decisions';

/** The largest query body read: a query is two timestamps. */
const MAX_QUERY_BYTES = 4096;

export const DecisionsQuery = z.strictObject({
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
});
export type DecisionsQuery = z.infer<typeof DecisionsQuery>;

export type DecisionsApiResult = QueryApiResult<{ records: DecisionRecord[] }, 400 | 503>;

export async function answerDecisionsQuery(
  warden: Pick<LocalWarden, 'deps'>,
  body: string,
): Promise<DecisionsApiResult> {
  const parsed = parseQueryBody(DecisionsQuery, body);
  if (!parsed.ok) return { status: parsed.status, message: parsed.message };
  let deps: TaskDeps;
  try {
    deps = warden.deps;
  } catch (error) {
    // The runtime has no deployment yet, so no findings table to read.
    return { status: 503, message: (error as Error).message };
  }
  // A bare Step Functions runtime (startSfnEndpoint over an engine no Warden runs on) has no
  // intake and no findings table, so it holds no decision records: none is the true answer.
  if (!deps?.config || !deps.tables?.findings) return { status: 200, answer: { records: [] } };
  const { securityAccountId, homeRegion } = deps.config.organization;
  const doc = DynamoDBDocumentClient.from(
    deps.clients.client(DynamoDBClient, { account: securityAccountId, region: homeRegion }),
  );
  const records = await readDecisionRecords(doc, deps.tables.findings, {
    since: parsed.query.since ? new Date(parsed.query.since) : null,
    until: parsed.query.until ? new Date(parsed.query.until) : null,
  });
  return { status: 200, answer: { records } };
}

/**
 * The decisions API on a bare Step Functions endpoint (startSfnEndpoint), so that `warden audit
 * --endpoint` finds the decision records of the runtime it reads executions from.
 */
export function serveDecisionsRequest(
  warden: Pick<LocalWarden, 'deps'>,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const reply = (status: number, body: unknown) => {
    if (res.headersSent) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  readBodyWithin(req, MAX_QUERY_BYTES)
    .then(async (body) => {
      if (body === undefined)
        return reply(413, { message: `the body must be at most ${MAX_QUERY_BYTES} bytes` });
      const result = await answerDecisionsQuery(warden, body);
      reply(result.status, queryReplyBody(result));
    })
    .catch((error: Error) => reply(500, { message: `${error.name}: ${error.message}` }));
}
