import { type ChildProcess, fork } from 'node:child_process';
import {
  createServer as createHttp,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttps, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { generate } from 'selfsigned';
import type { HttpFetch } from '../../../tasks/approval/oidc-client';

/**
 * What the approval tests against a real OpenID Provider run on: the provider (oidc-provider, in
 * its own process), a thin API Gateway (HTTP API, payload format 2.0) in front of the approval
 * function's handler, and a certificate made for 127.0.0.1 when the test runs over https.
 */

export interface TestCertificate {
  key: string;
  cert: string;
}

/** A certificate for 127.0.0.1, made now; the browser and the function's fetch trust only it. */
export async function makeCertificate(): Promise<TestCertificate> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

export interface ProviderClient {
  client_id: string;
  client_secret?: string;
  token_endpoint_auth_method: 'none' | 'client_secret_basic' | 'private_key_jwt';
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
  grant_types: string[];
  response_types?: string[];
  jwks?: { keys: Record<string, unknown>[] };
}

export interface TestProvider {
  issuer: string;
  /** The key id the provider signs with now. */
  keyId: string;
  rotateKeys(): Promise<void>;
  disable(user: string): Promise<void>;
  /** Closes the port: the provider is down. */
  stop(): Promise<void>;
  /** Opens the same port again. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startProvider(options: {
  clients: ProviderClient[];
  users: Record<string, Record<string, unknown>>;
  tls?: TestCertificate;
}): Promise<TestProvider> {
  const child: ChildProcess = fork(join(__dirname, 'provider.mjs'), [JSON.stringify(options)], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const next = (type: string) =>
    new Promise<{ issuer?: string; keyId: string }>((resolve, reject) => {
      const onMessage = (message: { type: string; of?: string; issuer?: string; keyId: string }) => {
        if (message.type === type || message.of === type) {
          child.off('exit', onExit);
          child.off('message', onMessage);
          resolve(message);
        }
      };
      const onExit = (code: number | null) =>
        reject(new Error(`the test provider exited (${code}) before ${type}:\n${stderr.slice(-2000)}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const ready = await next('ready');
  const provider: TestProvider = {
    issuer: ready.issuer!,
    keyId: ready.keyId,
    rotateKeys: async () => {
      child.send({ type: 'rotate-keys' });
      provider.keyId = (await next('rotate-keys')).keyId;
    },
    disable: async (user) => {
      child.send({ type: 'disable', user });
      await next('disable');
    },
    stop: async () => {
      child.send({ type: 'stop' });
      await next('stop');
    },
    start: async () => {
      child.send({ type: 'start' });
      await next('start');
    },
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'exit' });
      await exited;
    },
  };
  return provider;
}

export type LambdaHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export interface TestApiGateway {
  /** `http(s)://127.0.0.1:<port>`: the API's origin, as the callback URL names it. */
  origin: string;
  /** The function behind the API; tests swap it to change the client configuration. */
  use(handler: LambdaHandler): void;
  close(): Promise<void>;
}

/**
 * API Gateway's HTTP API in front of a Lambda function, as far as the function can tell: the
 * request becomes a payload 2.0 event (`$default` stage, lower-case headers, repeated headers
 * joined by commas, `cookies` as a list), and the result's `cookies` become Set-Cookie headers.
 */
export async function startApiGateway(options: { tls?: TestCertificate } = {}): Promise<TestApiGateway> {
  let handler: LambdaHandler | undefined;
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        try {
          if (!handler) throw new Error('no function behind the API yet');
          const result = await handler(eventOf(req, Buffer.concat(chunks), gateway.origin));
          const headers: Record<string, string | string[]> = {
            ...(result.headers as Record<string, string>),
          };
          if (result.cookies?.length) headers['set-cookie'] = result.cookies;
          res.writeHead(result.statusCode ?? 200, headers).end(result.body ?? '');
        } catch (error) {
          // API Gateway's answer to a function that throws.
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: 'Internal Server Error', cause: (error as Error).message }));
        }
      })();
    });
  };
  const server: Server = options.tls ? createHttps(options.tls, serve) : createHttp(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const gateway: TestApiGateway = {
    origin: `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    use: (next) => {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return gateway;
}

function eventOf(req: IncomingMessage, body: Buffer, origin: string): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', origin);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'cookie' || value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const cookies = (req.headers.cookie ?? '')
    .split(';')
    .map((c) => c.trim())
    .filter(Boolean);
  const method = req.method ?? 'GET';
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    requestContext: {
      accountId: '222222222222',
      apiId: 'e2etest',
      domainName: url.host,
      domainPrefix: 'e2etest',
      http: {
        method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: req.headers['user-agent'] ?? '',
      },
      requestId: `e2e-${now.getTime()}`,
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: body.toString('utf8') } : {}),
    isBase64Encoded: false,
  };
}

/**
 * `fetch` for the function's calls to an https provider whose certificate only this test trusts
 * (Node's fetch takes no CA; `https.request` does).
 */
export function fetchTrusting(ca: string): HttpFetch {
  return (url, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const headers = new Headers(init.headers);
      const body = init.body === undefined || init.body === null ? undefined : String(init.body);
      const req = httpsRequest(
        url,
        {
          method: init.method ?? 'GET',
          headers: Object.fromEntries(headers),
          ca,
          signal: init.signal ?? undefined,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              if (value !== undefined)
                responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
            }
            const status = res.statusCode ?? 500;
            const content = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(content, { status, headers: responseHeaders }));
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}
