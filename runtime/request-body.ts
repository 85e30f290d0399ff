import type { IncomingMessage } from 'node:http';

/**
 * A request's body as text, or undefined once it passes `maxBytes`: reading stops there and the
 * rest is not kept, so a large body costs no more memory than the limit. The local HTTP server
 * and the decisions API on the Step Functions endpoint read their bodies this way.
 */
export async function readBodyWithin(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
