import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What the local AWS JSON endpoints (the Step Functions endpoint, JSON 1.0, and the EventBridge
 * door, JSON 1.1) share of the wire protocol: the request's media type, the error body the SDK
 * reads (`__type` becomes `error.name`, `message` its message) and the response headers, with the
 * request's id in `x-amzn-RequestId` as AWS sends it
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-json-api-responses.html).
 */

/** The request's media type, lower-cased and without parameters (`; charset=…`). */
export function mediaTypeOf(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

export function awsJsonErrorBody(code: string, message: string): string {
  return JSON.stringify({ __type: code, message });
}

/**
 * Answers once (a later call, after an early 413, does nothing). `close` asks the client to drop
 * the connection, for an answer given before the request body was read to its end.
 */
export function sendAwsJson(
  res: ServerResponse,
  contentType: string,
  status: number,
  body: string,
  close = false,
): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(body);
}
