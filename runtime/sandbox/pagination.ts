/**
 * Cursor pagination as AWS list operations do it: an opaque `NextToken` that is only valid for
 * the listing that produced it. The token records that listing's scope (operation and filters),
 * so a token replayed against a different listing is rejected instead of silently misread.
 */
export interface Page<T> {
  items: T[];
  nextToken?: string;
}

interface TokenBody {
  scope: string;
  offset: number;
}

/**
 * Returns the page after `nextToken`; `invalidToken` builds the service's own error for a token
 * it did not issue (each service words and codes it differently).
 */
export function paginate<T>(
  items: readonly T[],
  request: { scope: string; maxResults: number; nextToken?: string },
  invalidToken: () => Error,
): Page<T> {
  const offset = request.nextToken === undefined ? 0 : decode(request.nextToken, request.scope, invalidToken);
  const end = offset + request.maxResults;
  const page: Page<T> = { items: items.slice(offset, end) };
  if (end < items.length) page.nextToken = encode({ scope: request.scope, offset: end });
  return page;
}

function encode(body: TokenBody): string {
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

function decode(token: string, scope: string, invalidToken: () => Error): number {
  let body: Partial<TokenBody>;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenBody>;
  } catch {
    throw invalidToken();
  }
  if (body.scope !== scope || typeof body.offset !== 'number' || body.offset < 0) throw invalidToken();
  return body.offset;
}
