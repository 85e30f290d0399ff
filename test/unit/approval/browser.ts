import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * A browser as far as the approval function can tell: it keeps the cookies the function sets
 * (honouring Max-Age=0) and sends them back, and turns requests into API Gateway HTTP API events
 * (payload format 2.0, `$default` stage), as API Gateway would.
 */
export const API_ORIGIN = 'https://abc123.execute-api.eu-west-1.amazonaws.com';
export const CALLBACK_URL = `${API_ORIGIN}/auth/callback`;

export type Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export interface BrowserRequest {
  method?: string;
  /** Path and query, e.g. `/auth/callback?code=…`, or an absolute URL on the API's origin. */
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Send no cookies (a mail scanner, another browser). */
  withoutCookies?: boolean;
}

export class Browser {
  readonly cookies = new Map<string, string>();
  /** Every Set-Cookie the function sent, to inspect attributes. */
  readonly setCookies: string[] = [];

  constructor(private readonly handler: Handler) {}

  async request(
    request: BrowserRequest,
  ): Promise<APIGatewayProxyStructuredResultV2 & { statusCode: number }> {
    const url = new URL(request.url, API_ORIGIN);
    const event = apiEvent({
      method: request.method ?? 'GET',
      path: url.pathname,
      query: url.search.slice(1),
      headers: request.headers ?? {},
      cookies: request.withoutCookies ? [] : [...this.cookies].map(([k, v]) => `${k}=${v}`),
      body: request.body,
    });
    const result = await this.handler(event);
    for (const header of result.cookies ?? []) this.store(header);
    return result as APIGatewayProxyStructuredResultV2 & { statusCode: number };
  }

  /**
   * A same-origin form post, as the page's own buttons send it: under the page's
   * `Referrer-Policy: no-referrer`, browsers send `Origin: null` (WHATWG Fetch).
   */
  post(url: string, form: Record<string, string>) {
    return this.request({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'null',
        'sec-fetch-site': 'same-origin',
      },
      body: new URLSearchParams(form).toString(),
    });
  }

  private store(header: string): void {
    this.setCookies.push(header);
    const [pair = '', ...attributes] = header.split(';').map((p) => p.trim());
    const at = pair.indexOf('=');
    const name = pair.slice(0, at);
    const expired = attributes.some((a) => a.toLowerCase() === 'max-age=0');
    if (expired) this.cookies.delete(name);
    else this.cookies.set(name, pair.slice(at + 1));
  }
}

export function apiEvent(options: {
  method: string;
  path: string;
  query?: string;
  headers?: Record<string, string>;
  cookies?: string[];
  body?: string;
}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `${options.method} ${options.path}`,
    rawPath: options.path,
    rawQueryString: options.query ?? '',
    cookies: options.cookies && options.cookies.length > 0 ? options.cookies : undefined,
    headers: { host: new URL(API_ORIGIN).host, ...options.headers },
    requestContext: {
      accountId: '222222222222',
      apiId: 'abc123',
      domainName: new URL(API_ORIGIN).host,
      domainPrefix: 'abc123',
      http: {
        method: options.method,
        path: options.path,
        protocol: 'HTTP/1.1',
        sourceIp: '192.0.2.10',
        userAgent: 'test-browser',
      },
      requestId: 'request-1',
      routeKey: `${options.method} ${options.path}`,
      stage: '$default',
      time: '01/Mar/2026:09:00:00 +0000',
      timeEpoch: 0,
    },
    body: options.body,
    isBase64Encoded: false,
  };
}
