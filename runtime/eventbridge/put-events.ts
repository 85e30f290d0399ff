import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import { awsJsonErrorBody, mediaTypeOf, sendAwsJson } from '../aws-json-protocol';
import { JsonServiceError } from '../service-error';

/**
 * EventBridge's `PutEvents` over its wire protocol (JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents`),
 * so that `@aws-sdk/client-eventbridge` and `aws events put-events --endpoint-url` reach the local
 * runtime as they reach AWS. What it models, each from the PutEvents API reference
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html) and the user
 * guide's "Sending events with PutEvents" (eb-putevents.html) and "Calculating PutEvents event entry
 * size" (eb-putevent-size.html):
 * - 1 to 10 entries a request; more or none is a `ValidationException` for the whole request;
 * - the entries' total size at most 256 KiB, counted as AWS counts it: 14 bytes for `Time` when
 *   given, and the UTF-8 bytes of `Source`, `DetailType`, `Detail` and each of `Resources`;
 * - each entry is answered in request order, an `EventId` or an `ErrorCode`/`ErrorMessage`
 *   (`InvalidArgument` for a missing or bad parameter, `MalformedDetail` for a `Detail` that is
 *   not a JSON object), and `FailedEntryCount` counts the failed ones; a failed entry does not
 *   stop the others.
 * One difference, on purpose: AWS refuses `aws.*` sources from callers
 * (`NotAuthorizedForSourceException`); this door stands in for the AWS services that publish
 * those events (GuardDuty, Control Tower), so it accepts them.
 */
export const EVENTS_TARGET = 'AWSEvents.PutEvents';
export const EVENTS_CONTENT_TYPE = 'application/x-amz-json-1.1';
export const MAX_ENTRIES = 10;
export const MAX_REQUEST_ENTRY_BYTES = 256 * 1024;
/** The body itself: ten entries of at most 256 KiB in all, with JSON escaping, fit well within. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;
const TIME_BYTES = 14;

/** An entry that passed validation: what the bus turns into an event. */
export interface AcceptedEntry {
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  resources: string[];
  /** ISO 8601; the time of the request when the entry gave none. */
  time: string;
}

export type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** The bus behind the door: it gets each accepted entry with its event id, in order. */
export type PublishEntry = (entry: AcceptedEntry, eventId: string) => Promise<void>;

export class EventsServiceError extends JsonServiceError {}

const RequestSchema = z.object({
  Entries: z.array(z.unknown()),
  EndpointId: z.string().optional(),
});

interface EntryFields {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  Resources?: unknown;
  Time?: unknown;
  EventBusName?: unknown;
}

export function isPutEventsRequest(req: IncomingMessage): boolean {
  const target = req.headers['x-amz-target'];
  return req.method === 'POST' && (req.url ?? '').split('?')[0] === '/' && target === EVENTS_TARGET;
}

/** The size AWS counts against the 256 KiB of a request (eb-putevent-size.html). */
export function entrySize(entry: {
  Time?: unknown;
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  Resources?: unknown;
}): number {
  const bytes = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);
  let size = entry.Time !== undefined && entry.Time !== null ? TIME_BYTES : 0;
  size += bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail);
  if (Array.isArray(entry.Resources)) for (const r of entry.Resources) size += bytes(r);
  return size;
}

/**
 * One request, protocol aside. Never throws: a request-level failure is the error AWS would
 * answer, an entry-level one is that entry's `ErrorCode`.
 */
export async function handlePutEvents(
  body: string,
  publish: PublishEntry,
  now: () => Date,
  busNames: readonly string[],
): Promise<{ status: number; body: string }> {
  try {
    let raw: unknown;
    try {
      raw = JSON.parse(body);
    } catch {
      throw new EventsServiceError('SerializationException', 'The request body is not valid JSON');
    }
    const request = RequestSchema.safeParse(raw);
    if (!request.success) {
      throw new EventsServiceError(
        'ValidationException',
        "1 validation error detected: 'entries' is required",
      );
    }
    const entries = request.data.Entries;
    if (entries.length < 1 || entries.length > MAX_ENTRIES) {
      throw new EventsServiceError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}, got ${entries.length}`,
      );
    }
    const total = entries.reduce<number>(
      (sum, e) => sum + (typeof e === 'object' && e !== null ? entrySize(e as Record<string, unknown>) : 0),
      0,
    );
    if (total > MAX_REQUEST_ENTRY_BYTES) {
      throw new EventsServiceError(
        'ValidationException',
        `Total size of the entries in the request is over the limit: ${total} bytes, at most ${MAX_REQUEST_ENTRY_BYTES}`,
      );
    }
    const results: EntryResult[] = [];
    for (const entry of entries) {
      const checked = checkEntry(entry, now, busNames);
      if ('ErrorCode' in checked) {
        results.push(checked);
        continue;
      }
      const eventId = randomUUID();
      await publish(checked, eventId);
      results.push({ EventId: eventId });
    }
    const failed = results.filter((r) => 'ErrorCode' in r).length;
    return { status: 200, body: JSON.stringify({ FailedEntryCount: failed, Entries: results }) };
  } catch (error) {
    const failure =
      error instanceof EventsServiceError
        ? error
        : new EventsServiceError(
            'InternalException',
            `${(error as Error).name}: ${(error as Error).message}`,
            500,
          );
    return {
      status: failure.status,
      body: JSON.stringify({ __type: failure.code, message: failure.message }),
    };
  }
}

type EntryError = { ErrorCode: string; ErrorMessage: string };

function invalid(parameter: string, reason: string): EntryError {
  return {
    ErrorCode: 'InvalidArgument',
    ErrorMessage: `Parameter ${parameter} is not valid. Reason: ${reason}`,
  };
}

function checkEntry(raw: unknown, now: () => Date, busNames: readonly string[]): AcceptedEntry | EntryError {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return invalid('Entry', 'must be an object.');
  const e = raw as EntryFields;
  if (e.Source === undefined || e.Source === '') return invalid('Source', 'Source is a required argument.');
  if (typeof e.Source !== 'string' || e.Source.length > 256)
    return invalid('Source', 'must be a string of 1 to 256 characters.');
  if (e.DetailType === undefined || e.DetailType === '')
    return invalid('DetailType', 'DetailType is a required argument.');
  if (typeof e.DetailType !== 'string' || e.DetailType.length > 128)
    return invalid('DetailType', 'must be a string of 1 to 128 characters.');
  if (e.Detail === undefined || e.Detail === '') return invalid('Detail', 'Detail is a required argument.');
  if (typeof e.Detail !== 'string')
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  let detail: unknown;
  try {
    detail = JSON.parse(e.Detail);
  } catch {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  if (e.EventBusName !== undefined && e.EventBusName !== null) {
    const name = String(e.EventBusName);
    const bare = name.startsWith('arn:') ? name.split('/').pop()! : name;
    if (!busNames.includes(bare)) {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: `Event bus ${name} does not exist.` };
    }
  }
  let resources: string[] = [];
  if (e.Resources !== undefined && e.Resources !== null) {
    if (!Array.isArray(e.Resources) || e.Resources.some((r) => typeof r !== 'string' || r.length > 2048)) {
      return invalid('Resources', 'must be a list of strings of at most 2048 characters.');
    }
    resources = e.Resources as string[];
  }
  let time = now().toISOString();
  if (e.Time !== undefined && e.Time !== null) {
    // The SDKs send Time as epoch seconds; a fraction is allowed.
    const seconds = typeof e.Time === 'number' ? e.Time : Number.NaN;
    if (!Number.isFinite(seconds)) return invalid('Time', 'must be a timestamp.');
    time = new Date(Math.floor(seconds) * 1000).toISOString().replace('.000Z', 'Z');
  }
  return {
    source: e.Source,
    detailType: e.DetailType,
    detail: detail as Record<string, unknown>,
    resources,
    time,
  };
}

/** The door as a raw handler on the local runtime's server. */
export function createPutEventsHandler(
  publish: PublishEntry,
  now: () => Date,
  busNames: readonly string[],
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const type = mediaTypeOf(req);
    if (type !== EVENTS_CONTENT_TYPE) {
      req.resume();
      return send(
        res,
        400,
        awsJsonErrorBody(
          'SerializationException',
          `Content-Type must be ${EVENTS_CONTENT_TYPE}, got '${type}'`,
        ),
      );
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) {
        return send(
          res,
          413,
          awsJsonErrorBody('ValidationException', `Request body is larger than ${MAX_BODY_BYTES} bytes`),
          true,
        );
      }
      chunks.push(chunk as Buffer);
    }
    const result = await handlePutEvents(Buffer.concat(chunks).toString('utf8'), publish, now, busNames);
    send(res, result.status, result.body);
  };
}

function send(res: ServerResponse, status: number, body: string, close = false): void {
  sendAwsJson(res, EVENTS_CONTENT_TYPE, status, body, close);
}
