import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';
import { awsJsonErrorBody, mediaTypeOf, sendAwsJson } from './aws-json-protocol';
import { DECISIONS_PATH, serveDecisionsRequest } from './decisions-api';
import { type LocalRuntime, RuntimeError } from './engine';
import {
  ExecutionNotFoundError,
  type ExecutionRecord,
  type ExecutionStatus,
  type HistoryEvent,
} from './history';
import { MAX_PAYLOAD_BYTES, MAX_TASK_TOKEN_LENGTH } from './limits';
import { JsonServiceError } from './service-error';
import { TaskTokenError } from './task-tokens';

/**
 * A Step Functions compatible endpoint (AWS JSON 1.0 protocol) over the local runtime, so that
 * `warden audit`, the approval handler and any other `@aws-sdk/client-sfn` caller talk to a local
 * run exactly as they talk to AWS: same operations, same error codes, same pagination.
 *
 * It listens on loopback only and does not verify SigV4 signatures; instead it refuses requests
 * whose Host is not a loopback name (DNS rebinding) or whose content type is not the protocol's
 * (which, with X-Amz-Target, forces a CORS preflight that a browser page never gets past).
 */

export const SFN_CONTENT_TYPE = 'application/x-amz-json-1.0';
export const SFN_TARGET_PREFIX = 'AWSStepFunctions.';
/** Larger than any valid request (inputs and outputs stop at 256 KiB). */
export const MAX_REQUEST_BYTES = 1024 * 1024;

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

/** A service error as the endpoint answers it: `__type` is the code the SDK turns into `error.name`. */
export class SfnServiceError extends JsonServiceError {}

export interface SfnResponse {
  status: number;
  /** JSON text. */
  body: string;
}

export interface SfnEndpoint {
  /** e.g. `http://127.0.0.1:49152`, to pass as the SFNClient's `endpoint`. */
  url: string;
  close(): Promise<void>;
}

export interface SfnEndpointOptions {
  /** @default 0 - an ephemeral port */
  port?: number;
  /** Loopback only: the endpoint has no authentication. @default '127.0.0.1' */
  host?: '127.0.0.1';
}

/** True for a request another server (the approval page's) should hand to `createSfnRequestHandler`. */
export function isSfnRequest(req: IncomingMessage): boolean {
  const target = req.headers['x-amz-target'];
  return (
    req.method === 'POST' &&
    pathOf(req.url) === '/' &&
    typeof target === 'string' &&
    target.startsWith(SFN_TARGET_PREFIX)
  );
}

export async function startSfnEndpoint(
  runtime: LocalRuntime,
  options: SfnEndpointOptions = {},
): Promise<SfnEndpoint> {
  const host = options.host ?? '127.0.0.1';
  const handle = createSfnRequestHandler(runtime);
  const server = createServer((req, res) => {
    if (isSfnRequest(req)) return handle(req, res);
    // The decision records of ignored findings, which `warden audit` lists beside executions.
    if (req.method === 'POST' && pathOf(req.url) === DECISIONS_PATH)
      return serveDecisionsRequest(runtime, req, res);
    send(
      res,
      404,
      awsJsonErrorBody('UnknownOperationException', 'Only POST / with X-Amz-Target is served here'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // SDK clients keep connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}

/** The endpoint as a plain `(req, res)` listener, for mounting on another server's port. */
export function createSfnRequestHandler(
  runtime: LocalRuntime,
  options: { maxRequestBytes?: number } = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const limit = options.maxRequestBytes ?? MAX_REQUEST_BYTES;
  return (req, res) => {
    const refusal = refuse(req);
    if (refusal) {
      req.resume();
      return send(res, refusal.status, awsJsonErrorBody(refusal.code, refusal.message));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        // Answer now and discard the rest, so the client reads the error rather than a reset.
        send(
          res,
          413,
          awsJsonErrorBody('ValidationException', `Request body is larger than ${limit} bytes`),
          true,
        );
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => req.destroy());
    req.on('end', () => {
      if (tooLarge) return;
      const target = String(req.headers['x-amz-target']);
      const result = handleSfnRequest(runtime, target, Buffer.concat(chunks).toString('utf8'));
      send(res, result.status, result.body);
    });
  };
}

/**
 * One request, protocol aside: `target` is the X-Amz-Target header, `body` the JSON text. Never
 * throws; every failure becomes the error response AWS would give.
 */
export function handleSfnRequest(runtime: LocalRuntime, target: string, body: string): SfnResponse {
  try {
    const name = target.startsWith(SFN_TARGET_PREFIX) ? target.slice(SFN_TARGET_PREFIX.length) : '';
    // hasOwn: a target such as `AWSStepFunctions.toString` must not reach Object.prototype.
    const operation = Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name] : undefined;
    if (!operation) {
      throw new SfnServiceError('UnknownOperationException', `Unknown operation: '${target}'`);
    }
    const raw = parseBody(body);
    const parsed = operation.schema.safeParse(raw);
    if (!parsed.success) throw validationError(parsed.error.issues, raw);
    return { status: 200, body: JSON.stringify(operation.run(runtime, parsed.data)) };
  } catch (error) {
    const failure = toServiceError(error);
    return { status: failure.status, body: awsJsonErrorBody(failure.code, failure.message) };
  }
}

// ---- operations -------------------------------------------------------------------------------

interface Operation {
  schema: z.ZodType;
  // biome-ignore lint/suspicious/noExplicitAny: each entry's input is typed by its own schema
  run(runtime: LocalRuntime, input: any): Record<string, unknown>;
}

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'] as const;

const arn = z.string().min(1).max(2048);
const taskToken = z.string().min(1).max(MAX_TASK_TOKEN_LENGTH);
const maxResults = z.number().int().min(0).max(MAX_PAGE_SIZE).optional();
const nextToken = z.string().min(1).max(1024).optional();

const startExecution = z.object({
  stateMachineArn: arn,
  name: z.string().optional(),
  input: z.string().optional(),
  traceHeader: z.string().max(256).optional(),
});
const listExecutions = z.object({
  stateMachineArn: arn,
  statusFilter: z.enum(STATUSES).optional(),
  maxResults,
  nextToken,
});
const executionArnOnly = z.object({ executionArn: arn });
const getExecutionHistory = z.object({
  executionArn: arn,
  maxResults,
  reverseOrder: z.boolean().optional(),
  nextToken,
  includeExecutionData: z.boolean().optional(),
});
const sendTaskSuccess = z.object({ taskToken, output: z.string() });
const sendTaskFailure = z.object({
  taskToken,
  error: z.string().max(256).optional(),
  cause: z.string().max(32_768).optional(),
});
const sendTaskHeartbeat = z.object({ taskToken });
const stopExecution = z.object({
  executionArn: arn,
  error: z.string().max(256).optional(),
  cause: z.string().max(32_768).optional(),
});
const listStateMachines = z.object({ maxResults, nextToken });
const describeStateMachine = z.object({ stateMachineArn: arn });

const OPERATIONS: Record<string, Operation> = {
  StartExecution: {
    schema: startExecution,
    run(runtime, request: z.infer<typeof startExecution>) {
      checkArn(request.stateMachineArn, 'stateMachine');
      const input = parseJsonText(request.input ?? '{}', 'InvalidExecutionInput', 'execution input');
      // Sized and compared as sent: UTF-8 bytes of the caller's text, not a re-serialisation.
      const started = runtime.start(request.stateMachineArn, input, request.name, request.input ?? '{}');
      return { executionArn: started.executionArn, startDate: epochSeconds(started.startDate) };
    },
  },

  ListExecutions: {
    schema: listExecutions,
    run(runtime, request: z.infer<typeof listExecutions>) {
      checkArn(request.stateMachineArn, 'stateMachine');
      const scope = `ListExecutions|${request.stateMachineArn}|${request.statusFilter ?? ''}`;
      const after = request.nextToken ? executionCursor(readToken(request.nextToken, scope)) : undefined;
      // The runtime never redrives, so PENDING_REDRIVE matches nothing, as it should.
      const status = request.statusFilter as ExecutionStatus | undefined;
      const all = runtime.list(request.stateMachineArn, status).sort(newestFirst);
      // A cursor rather than an offset: executions started between pages must not shift the rest.
      const remaining = after ? all.filter((r) => newestFirst(cursorOf(r), after) > 0) : all;
      const { page, next } = cursorPage(remaining, request.maxResults, scope, cursorOf);
      return {
        executions: page.map((r) => ({
          executionArn: r.executionArn,
          stateMachineArn: r.stateMachineArn,
          name: r.name,
          status: r.status,
          startDate: epochSeconds(r.startDate),
          ...(r.stopDate ? { stopDate: epochSeconds(r.stopDate) } : {}),
        })),
        ...next,
      };
    },
  },

  DescribeExecution: {
    schema: executionArnOnly,
    run(runtime, request: z.infer<typeof executionArnOnly>) {
      checkArn(request.executionArn, 'execution');
      return describe(runtime.describe(request.executionArn));
    },
  },

  GetExecutionHistory: {
    schema: getExecutionHistory,
    run(runtime, request: z.infer<typeof getExecutionHistory>) {
      checkArn(request.executionArn, 'execution');
      const history = runtime.store.history(request.executionArn);
      const reverse = request.reverseOrder ?? false;
      const scope = `GetExecutionHistory|${request.executionArn}|${reverse}`;
      // Event ids run 1..N with no gaps, so the next id to return is a stable cursor either way.
      const from = request.nextToken
        ? eventCursor(readToken(request.nextToken, scope), history.length)
        : reverse
          ? history.length
          : 1;
      const size = pageSize(request.maxResults);
      const page = reverse
        ? history.slice(Math.max(0, from - size), from).reverse()
        : history.slice(from - 1, from - 1 + size);
      const next = reverse ? from - page.length : from + page.length;
      const more = reverse ? next >= 1 : next <= history.length;
      const withData = request.includeExecutionData ?? true;
      return {
        events: page.map((event) => historyEvent(event, withData)),
        ...(more && page.length > 0 ? { nextToken: writeToken(scope, next) } : {}),
      };
    },
  },

  SendTaskSuccess: {
    schema: sendTaskSuccess,
    run(runtime, request: z.infer<typeof sendTaskSuccess>) {
      if (Buffer.byteLength(request.output, 'utf8') > MAX_PAYLOAD_BYTES) {
        throw new SfnServiceError('InvalidOutput', `Task output is larger than ${MAX_PAYLOAD_BYTES} bytes`);
      }
      const output = parseJsonText(request.output, 'InvalidOutput', 'task output');
      runtime.tokens.succeed(request.taskToken, output);
      return {};
    },
  },

  SendTaskFailure: {
    schema: sendTaskFailure,
    run(runtime, request: z.infer<typeof sendTaskFailure>) {
      runtime.tokens.fail(request.taskToken, request.error, request.cause);
      return {};
    },
  },

  SendTaskHeartbeat: {
    schema: sendTaskHeartbeat,
    run(runtime, request: z.infer<typeof sendTaskHeartbeat>) {
      runtime.tokens.heartbeat(request.taskToken);
      return {};
    },
  },

  StopExecution: {
    schema: stopExecution,
    run(runtime, request: z.infer<typeof stopExecution>) {
      checkArn(request.executionArn, 'execution');
      runtime.stop(request.executionArn, request.error, request.cause);
      const stopDate = runtime.describe(request.executionArn).stopDate ?? isoNow(runtime);
      return { stopDate: epochSeconds(stopDate) };
    },
  },

  ListStateMachines: {
    schema: listStateMachines,
    run(runtime, request: z.infer<typeof listStateMachines>) {
      const scope = 'ListStateMachines';
      const after = request.nextToken ? readToken(request.nextToken, scope) : undefined;
      if (after !== undefined && typeof after !== 'string') throw invalidToken();
      const all = runtime.listStateMachines().sort((a, b) => compareText(a.name, b.name));
      const remaining = after === undefined ? all : all.filter((m) => compareText(m.name, after) > 0);
      const { page, next } = cursorPage(remaining, request.maxResults, scope, (m) => m.name);
      return {
        stateMachines: page.map((m) => ({
          stateMachineArn: m.stateMachineArn,
          name: m.name,
          type: 'STANDARD',
          creationDate: epochSeconds(creationDateOf(runtime, m.stateMachineArn)),
        })),
        ...next,
      };
    },
  },

  DescribeStateMachine: {
    schema: describeStateMachine,
    run(runtime, request: z.infer<typeof describeStateMachine>) {
      checkArn(request.stateMachineArn, 'stateMachine');
      const definition = runtime.definitionOf(request.stateMachineArn);
      const [, , , , account, , name] = request.stateMachineArn.split(':');
      return {
        stateMachineArn: request.stateMachineArn,
        name,
        status: 'ACTIVE',
        definition: JSON.stringify(definition),
        roleArn: `arn:aws:iam::${account}:role/warden-local`,
        type: 'STANDARD',
        creationDate: epochSeconds(creationDateOf(runtime, request.stateMachineArn)),
      };
    },
  },
};

function describe(record: ExecutionRecord): Record<string, unknown> {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: epochSeconds(record.startDate),
    ...(record.stopDate ? { stopDate: epochSeconds(record.stopDate) } : {}),
    input: record.input,
    inputDetails: { included: true },
    ...(record.output !== undefined ? { output: record.output, outputDetails: { included: true } } : {}),
    ...(record.error !== undefined ? { error: record.error } : {}),
    ...(record.cause !== undefined ? { cause: record.cause } : {}),
  };
}

function historyEvent(event: HistoryEvent, withData: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { ...event, timestamp: epochSeconds(event.timestamp) };
  if (withData) return out;
  for (const [key, value] of Object.entries(out)) {
    if (!key.endsWith('EventDetails') || !value || typeof value !== 'object') continue;
    const { input: _input, output: _output, ...rest } = value as Record<string, unknown>;
    out[key] = rest;
  }
  return out;
}

/**
 * The runtime does not record when a workflow was registered; the endpoint reports the first
 * time it was asked, and keeps reporting that same time.
 */
const creationDates = new WeakMap<LocalRuntime, Map<string, string>>();

function creationDateOf(runtime: LocalRuntime, stateMachineArn: string): string {
  const dates = creationDates.get(runtime) ?? new Map<string, string>();
  creationDates.set(runtime, dates);
  const date = dates.get(stateMachineArn) ?? isoNow(runtime);
  dates.set(stateMachineArn, date);
  return date;
}

// ---- pagination -------------------------------------------------------------------------------

/** Signs tokens, so a token the endpoint did not issue is rejected instead of misread. */
const TOKEN_KEY = randomBytes(32);

function writeToken(scope: string, cursor: unknown): string {
  const payload = Buffer.from(JSON.stringify({ s: scope, c: cursor })).toString('base64url');
  return `${payload}.${sign(payload)}`;
}

function readToken(token: string, scope: string): unknown {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) throw invalidToken();
  const expected = Buffer.from(sign(payload));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidToken();
  const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { s?: unknown; c?: unknown };
  // A token from another listing (other filter, other order) is as invalid as a forged one.
  if (body.s !== scope) throw invalidToken();
  return body.c;
}

function sign(payload: string): string {
  return createHmac('sha256', TOKEN_KEY).update(payload).digest('base64url');
}

function invalidToken(): SfnServiceError {
  return new SfnServiceError('InvalidToken', 'Invalid Token: the nextToken was not issued for this request');
}

function pageSize(requested: number | undefined): number {
  // As in AWS, 0 means the default page size.
  return requested ? requested : DEFAULT_PAGE_SIZE;
}

/**
 * The first page of `remaining` (what comes after the request's cursor, in order), and the
 * `nextToken` that carries the cursor of the page's last item when more remain.
 */
function cursorPage<T>(
  remaining: readonly T[],
  maxResults: number | undefined,
  scope: string,
  cursor: (item: T) => unknown,
): { page: T[]; next: { nextToken?: string } } {
  const page = remaining.slice(0, pageSize(maxResults));
  const last = page.at(-1);
  const more = last !== undefined && remaining.length > page.length;
  return { page, next: more ? { nextToken: writeToken(scope, cursor(last)) } : {} };
}

function executionCursor(value: unknown): [string, string] {
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) {
    return value as [string, string];
  }
  throw invalidToken();
}

function eventCursor(value: unknown, length: number): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= length) return value;
  throw invalidToken();
}

function cursorOf(record: Pick<ExecutionRecord, 'startDate' | 'name'>): [string, string] {
  return [record.startDate, record.name];
}

/** Newest first, then by name descending; a total order within one state machine. */
function newestFirst(
  a: Pick<ExecutionRecord, 'startDate' | 'name'> | [string, string],
  b: Pick<ExecutionRecord, 'startDate' | 'name'> | [string, string],
): number {
  const [aDate, aName] = Array.isArray(a) ? a : cursorOf(a);
  const [bDate, bName] = Array.isArray(b) ? b : cursorOf(b);
  return compareText(bDate, aDate) || compareText(bName, aName);
}

/** Code-point order: unlike localeCompare, never equal for different strings. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- input and errors -------------------------------------------------------------------------

const ARN_PATTERN =
  /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:(stateMachine|execution):[^:\s]{1,80}(:[^:\s]{1,80})?$/;

function checkArn(value: string, kind: 'stateMachine' | 'execution'): void {
  const match = ARN_PATTERN.exec(value);
  const ok = match?.[1] === kind && (kind === 'execution') === (match[2] !== undefined);
  if (!ok) throw new SfnServiceError('InvalidArn', `Invalid Arn: '${value}' is not a ${kind} ARN`);
}

function parseBody(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new SfnServiceError(
      'SerializationException',
      `Request body is not JSON: ${(error as Error).message}`,
    );
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SfnServiceError('SerializationException', 'Request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function parseJsonText(text: string, code: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SfnServiceError(code, `Invalid ${what}: ${(error as Error).message}`);
  }
}

function validationError(issues: z.ZodError['issues'], raw: Record<string, unknown>): SfnServiceError {
  const details = issues.map((issue) => {
    const field = issue.path.join('.');
    const value = issue.path.reduce<unknown>(
      (at, key) => (at && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[key] : undefined),
      raw,
    );
    return value === undefined
      ? `Value null at '${field}' failed to satisfy constraint: Member must not be null`
      : `Value at '${field}' failed to satisfy constraint: ${issue.message}`;
  });
  return new SfnServiceError(
    'ValidationException',
    `${details.length} validation error${details.length === 1 ? '' : 's'} detected: ${details.join('; ')}`,
  );
}

/** The runtime's errors that are the caller's fault, under the codes Step Functions uses. */
const CLIENT_RUNTIME_ERRORS = new Set([
  'ExecutionAlreadyExists',
  'StateMachineDoesNotExist',
  'InvalidName',
  'InvalidExecutionInput',
]);

function toServiceError(error: unknown): SfnServiceError {
  if (error instanceof SfnServiceError) return error;
  if (error instanceof ExecutionNotFoundError) return new SfnServiceError(error.name, error.message);
  if (error instanceof TaskTokenError) return new SfnServiceError(error.code, error.message);
  if (error instanceof RuntimeError && CLIENT_RUNTIME_ERRORS.has(error.code)) {
    return new SfnServiceError(error.code, error.message);
  }
  // Anything else is a bug in the runtime: say so with a 500 rather than blame the caller.
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new SfnServiceError('InternalFailure', message, 500);
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function refuse(req: IncomingMessage): { status: number; code: string; message: string } | undefined {
  // A page on another site can rebind its own name to 127.0.0.1; its requests then carry that name.
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  if (!LOOPBACK_HOSTS.has(host)) {
    return { status: 403, code: 'AccessDeniedException', message: `Host '${host}' is not a loopback name` };
  }
  const type = mediaTypeOf(req);
  if (type !== SFN_CONTENT_TYPE && type !== 'application/x-amz-json-1.1') {
    return {
      status: 400,
      code: 'SerializationException',
      message: `Content-Type must be ${SFN_CONTENT_TYPE}, got '${type}'`,
    };
  }
  return undefined;
}

function send(res: ServerResponse, status: number, body: string, close = false): void {
  sendAwsJson(res, SFN_CONTENT_TYPE, status, body, close);
}

function pathOf(url: string | undefined): string {
  return (url ?? '').split('?')[0]!;
}

function epochSeconds(iso: string): number {
  return Date.parse(iso) / 1000;
}

function isoNow(runtime: LocalRuntime): string {
  return new Date(runtime.clock.now()).toISOString();
}
