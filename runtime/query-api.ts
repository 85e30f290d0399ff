import type * as z from 'zod';

/**
 * What the local runtime's JSON query APIs share (`POST /api/findings`, `POST /api/decisions`):
 * a query is a JSON object in the request body, checked against the API's schema, and the reply is
 * the answer, or `{ message }` with the status that says why there is none.
 */
export type QueryApiResult<Answer, FailureStatus extends number = 400> =
  | { status: 200; answer: Answer }
  | { status: FailureStatus; message: string };

export type QueryParse<Query> = { ok: true; query: Query } | { ok: false; status: 400; message: string };

/** The query `body` states; an empty body is the empty query. A refusal names the first wrong field. */
export function parseQueryBody<Query>(schema: z.ZodType<Query>, body: string): QueryParse<Query> {
  let raw: unknown;
  try {
    raw = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    return { ok: false, status: 400, message: 'the body must be JSON' };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, status: 400, message: `${issue.path.join('.') || '(body)'}: ${issue.message}` };
  }
  return { ok: true, query: parsed.data };
}

/** What the API sends back for `result`: the answer, or the reason there is none. */
export function queryReplyBody(result: QueryApiResult<unknown, number>): unknown {
  return 'answer' in result ? result.answer : { message: result.message };
}
