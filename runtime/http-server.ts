import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderDocument, securityHeaders } from '../tasks/approval/html';
import {
  type ApprovalHttpResponse,
  type ApproverIdentity,
  handleApprovalRequest,
} from '../tasks/approval/page';
import { pendingApprovalListing } from '../tasks/approval/pending-listing';
import { postFromOwnOrigin } from '../tasks/approval/same-origin';
import { ApprovalStore } from '../tasks/approval/store';
import { escapeHtml } from '../tasks/shared/escape-html';
import { answerDecisionsQuery, DECISIONS_PATH } from './decisions-api';
import { LocalEventBus } from './eventbridge/local-bus';
import { createPutEventsHandler, isPutEventsRequest } from './eventbridge/put-events';
import { answerFindingsQuery } from './findings-api';
import type { LocalWarden } from './local-warden';
import { queryReplyBody } from './query-api';
import { readBodyWithin } from './request-body';
import { createSfnRequestHandler, isSfnRequest } from './sfn-endpoint';

/**
 * The local runtime's web server on 127.0.0.1: the approval page (the same handler API Gateway
 * runs in AWS), a local sign-in that stands in for the JWT authorizer, the Step Functions
 * endpoint (so `SFNClient({ endpoint: url })` reaches the runtime), the EventBridge door
 * (`EventBridgeClient({ endpoint: url })` PutEvents into the security account's rules, and
 * `GET /eventbridge/events/<id>` tells what became of an event), and room for more: `mount`
 * takes raw Node handlers, `addRoute` takes pages (the read-only console).
 *
 * Sign-in is deliberately simple — pick one of `config.approvals.localApprovers` — because the
 * server only listens on loopback; what it must still get right is what the approval page relies
 * on: a session cookie scripts cannot read and other sites cannot send, and no POST without it.
 */
export interface LocalHttpRequest {
  method: string;
  url: URL;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | undefined>>;
  body: string;
  /** The signed-in approver, or null. */
  identity: ApproverIdentity | null;
}
export type LocalHttpResponse = ApprovalHttpResponse;

export interface HttpRoute {
  /** One method or several; HEAD is served by GET routes. */
  method: string | readonly string[];
  /** An exact path, or a pattern tested against the path. */
  path: string | RegExp;
  handle(request: LocalHttpRequest): Promise<LocalHttpResponse>;
}

/** Decides whether a raw handler takes the request; it must not read the body. */
export type RequestPredicate = (req: IncomingMessage) => boolean;
/** Handles the request end to end (reads the body, writes the response). */
export type RawHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HttpServerOptions {
  warden: Pick<
    LocalWarden,
    'deps' | 'config' | 'runtime' | 'functionDeps' | 'serveApprovalsAt' | 'world' | 'deployment'
  >;
  /** @default 0 - any free port */
  port?: number;
}

export interface WardenHttpServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  /** The local default event bus behind PutEvents. */
  events: LocalEventBus;
  /** Raw handlers go first, before Warden's pages; the Step Functions endpoint mounts here. */
  mount(predicate: RequestPredicate, handler: RawHandler): void;
  /** Pages added here are tried before the built-in ones, so a console may take over `/`. */
  addRoute(route: HttpRoute): void;
  close(): Promise<void>;
}

export const SESSION_COOKIE = 'warden_session';
const SESSION_MS = 12 * 3600 * 1000;
const MAX_BODY_BYTES = 64 * 1024;
const NEXT_PATH = /^\/(approvals\/[A-Za-z0-9_-]{1,100})?$/;

interface Session {
  name: string;
  expiresAt: number;
}

export async function startHttpServer(options: HttpServerOptions): Promise<WardenHttpServer> {
  const { warden } = options;
  const sessions = new Map<string, Session>();
  const events = new LocalEventBus(warden);
  const mounted: { predicate: RequestPredicate; handler: RawHandler }[] = [
    { predicate: isSfnRequest, handler: createSfnRequestHandler(warden.runtime) },
    {
      predicate: isPutEventsRequest,
      handler: createPutEventsHandler(
        async (entry, id) => {
          await events.publish(entry, id);
        },
        () => warden.deps.now(),
        ['default'],
      ),
    },
  ];
  const added: HttpRoute[] = [];
  let origin = '';

  const identityOf = (req: IncomingMessage): ApproverIdentity | null => {
    const id = cookie(req, SESSION_COOKIE);
    const session = id ? sessions.get(id) : undefined;
    if (!id || !session) return null;
    if (session.expiresAt <= Date.now()) {
      sessions.delete(id);
      return null;
    }
    return { name: session.name };
  };

  const builtIn: HttpRoute[] = [
    {
      method: 'GET',
      path: '/sign-in',
      handle: async (r) =>
        signInPage(
          200,
          warden.config.approvals.localApprovers,
          nextOf(r.url.searchParams.get('next')),
          r.identity,
        ),
    },
    {
      method: 'POST',
      path: '/sign-in',
      handle: async (r) => {
        const form = new URLSearchParams(r.body);
        const name = form.get('name') ?? '';
        const next = nextOf(form.get('next'));
        const approvers = warden.config.approvals.localApprovers;
        if (!approvers.includes(name)) {
          return signInPage(
            403,
            approvers,
            next,
            null,
            `${name ? `"${name}"` : 'That name'} may not sign in here.`,
          );
        }
        const id = randomBytes(32).toString('base64url');
        sessions.set(id, { name, expiresAt: Date.now() + SESSION_MS });
        return redirect(next, {
          'set-cookie': `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MS / 1000}`,
        });
      },
    },
    {
      method: 'POST',
      path: '/sign-out',
      handle: async (r) => {
        const id = cookie(r, SESSION_COOKIE);
        if (id) sessions.delete(id);
        return redirect('/sign-in', {
          'set-cookie': `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`,
        });
      },
    },
    {
      method: ['GET', 'POST'],
      path: /^\/approvals\//,
      handle: (r) =>
        handleApprovalRequest(
          { method: r.method, path: r.url.pathname, headers: r.headers, body: r.body, identity: r.identity },
          warden.functionDeps('ApprovalPage'),
          { signInUrl: (next) => `/sign-in?next=${encodeURIComponent(next)}` },
        ),
    },
    {
      method: 'GET',
      path: /^\/eventbridge\/events\/[0-9a-f-]{36}$/,
      handle: async (r) => {
        const record = events.record(r.url.pathname.split('/').pop()!);
        return json(record ? 200 : 404, record ?? { message: 'No event with this id reached this runtime' });
      },
    },
    {
      // What `warden approvals` lists: pending approvals with their links, never a token.
      method: 'GET',
      path: '/api/approvals',
      handle: async () => {
        const pending = await ApprovalStore.fromDeps(warden.deps).listPending();
        const rows = pending.map((approval) => ({
          ...pendingApprovalListing(approval, warden.deps.approvalBaseUrl),
          executionArn: approval.executionArn ?? null,
        }));
        return json(200, { approvals: rows });
      },
    },
    {
      // What `warden findings` shows of a running local Warden (see findings-api.ts).
      method: 'POST',
      path: '/api/findings',
      handle: async (r) => {
        const result = await answerFindingsQuery(warden, r.body);
        return json(result.status, queryReplyBody(result));
      },
    },
    {
      // The decision records `warden audit` lists beside executions (see decisions-api.ts).
      method: 'POST',
      path: DECISIONS_PATH,
      handle: async (r) => {
        const result = await answerDecisionsQuery(warden, r.body);
        return json(result.status, queryReplyBody(result));
      },
    },
    {
      method: 'GET',
      path: '/eventbridge/counts',
      handle: async () => json(200, events.counts),
    },
    { method: 'GET', path: '/', handle: async (r) => homePage(r.identity) },
  ];

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Only our own origin: a DNS-rebinding page must not reach the approval buttons.
    const host = req.headers.host ?? '';
    if (host !== new URL(origin).host && host !== `localhost:${new URL(origin).port}`) {
      return send(res, req, simplePage(421, 'Wrong host', 'This server answers on 127.0.0.1 only.'));
    }
    const raw = mounted.find((m) => m.predicate(req));
    if (raw) return raw.handler(req, res);

    const url = new URL(req.url ?? '/', origin);
    const method = (req.method ?? 'GET').toUpperCase();
    const routes = [...added, ...builtIn].filter((r) => pathMatches(r.path, url.pathname));
    if (routes.length === 0)
      return send(res, req, simplePage(404, 'Not found', 'There is no page at this address.'));
    const route = routes.find(
      (r) => methodsOf(r).includes(method) || (method === 'HEAD' && methodsOf(r).includes('GET')),
    );
    if (!route) {
      const allow = [...new Set(routes.flatMap(methodsOf))].join(', ');
      return send(res, req, {
        ...simplePage(405, 'Not allowed', `${method} is not allowed here.`),
        headers: { ...securityHeaders(), allow },
      });
    }
    if (method === 'POST' && !sameOrigin(req, origin)) {
      return send(res, req, simplePage(403, 'Refused', 'Forms can only be sent from this site.'));
    }
    const body = await readBodyWithin(req, MAX_BODY_BYTES);
    if (body === undefined)
      return send(res, req, simplePage(413, 'Too large', 'The request body is too large.'));
    const request: LocalHttpRequest = {
      method,
      url,
      headers: req.headers as Record<string, string | undefined>,
      body,
      identity: identityOf(req),
    };
    send(res, req, await route.handle(request));
  };

  const server = createServer((req, res) => {
    serve(req, res).catch((error: Error) => {
      if (res.headersSent) return res.destroy(error);
      process.stderr.write(`warden http server: ${error.name}: ${error.message}\n`);
      send(
        res,
        req,
        simplePage(500, 'Something went wrong', 'The local server failed; the console shows why.'),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  warden.serveApprovalsAt(origin);

  return {
    url: origin,
    events,
    mount: (predicate, handler) => {
      mounted.push({ predicate, handler });
    },
    addRoute: (route) => {
      added.push(route);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function methodsOf(route: HttpRoute): string[] {
  return typeof route.method === 'string' ? [route.method] : [...route.method];
}

function pathMatches(pattern: string | RegExp, path: string): boolean {
  return typeof pattern === 'string' ? pattern === path : pattern.test(path);
}

/** The approval function's rule (`tasks/approval/same-origin.ts`), for our two host names. */
function sameOrigin(req: IncomingMessage, origin: string): boolean {
  return postFromOwnOrigin(
    { origin: req.headers.origin, 'sec-fetch-site': firstValue(req.headers['sec-fetch-site']) },
    [origin, origin.replace('127.0.0.1', 'localhost')],
  );
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function cookie(req: IncomingMessage | LocalHttpRequest, name: string): string | undefined {
  const header = req.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/** Only local paths of our own: an open redirect on a sign-in page is a phishing tool. */
function nextOf(value: string | null): string {
  return value && NEXT_PATH.test(value) ? value : '/';
}

function send(res: ServerResponse, req: IncomingMessage, response: LocalHttpResponse): void {
  res.writeHead(response.status, response.headers);
  res.end(req.method === 'HEAD' ? undefined : response.body);
}

function json(status: number, body: unknown): LocalHttpResponse {
  return {
    status,
    headers: { ...securityHeaders(), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

function redirect(location: string, headers: Record<string, string> = {}): LocalHttpResponse {
  return { status: 303, headers: { ...securityHeaders(), location, ...headers }, body: '' };
}

function simplePage(status: number, title: string, text: string): LocalHttpResponse {
  return {
    status,
    headers: securityHeaders(),
    body: renderDocument({
      title,
      main: `<div class="banner bad"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></div>`,
    }),
  };
}

function signInPage(
  status: number,
  approvers: readonly string[],
  next: string,
  identity: ApproverIdentity | null,
  problem?: string,
): LocalHttpResponse {
  const options = approvers.map((n) => `<option value="${escapeHtml(n)}">${escapeHtml(n)}</option>`).join('');
  const already = identity
    ? `<p class="muted">You are signed in as ${escapeHtml(identity.name)}; signing in again switches the name.</p>`
    : '';
  return {
    status,
    headers: securityHeaders(),
    body: renderDocument({
      title: 'Sign in',
      signedInAs: identity?.name,
      main: `${problem ? `<div class="banner bad"><p>${escapeHtml(problem)}</p></div>` : ''}<section class="card">
<h1>Sign in to decide approvals</h1>
<p class="lead">The local runtime stands in for the identity provider: pick one of the approvers named in the config (<code>approvals.localApprovers</code>). Your name is recorded with every decision.</p>
${already}<form method="post" action="/sign-in">
<input type="hidden" name="next" value="${escapeHtml(next)}">
<label for="name">Approver</label>
<select id="name" name="name">${options}</select>
<div class="actions"><button type="submit" class="plain" id="sign-in">Sign in</button></div>
</form></section>`,
    }),
  };
}

function homePage(identity: ApproverIdentity | null): LocalHttpResponse {
  const who = identity
    ? `<form method="post" action="/sign-out"><p>Signed in as <strong>${escapeHtml(identity.name)}</strong>.</p><div class="actions"><button type="submit" class="plain">Sign out</button></div></form>`
    : '<p><a href="/sign-in">Sign in</a> to decide approvals.</p>';
  return {
    status: 200,
    headers: securityHeaders(),
    body: renderDocument({
      title: 'Local runtime',
      signedInAs: identity?.name,
      main: `<section class="card"><h1>Warden, running locally</h1>
<p class="lead">Approval links arrive in notifications (the sandbox topic's outbox, printed by <code>warden start</code>); each opens its approval page here.</p>${who}</section>`,
    }),
  };
}
