/**
 * Writes a Reply with plain node:http calls, so it works with or without the Vercel helpers.
 * Every response carries X-Request-Id, `Cache-Control: no-store` (API data is per-user) and
 * `X-Content-Type-Options: nosniff` (a browser never runs a JSON body as script or HTML).
 */
import type { ServerResponse } from 'node:http';
import type { Reply } from './route.js';

/**
 * The body as JSON text, or undefined for an empty response. Throws when the body cannot be
 * serialized. Kept a string: node:http writes it out without a Buffer copy made first.
 */
function payloadOf(reply: Reply): string | undefined {
  if (reply.body === undefined || reply.status === 204 || reply.status === 304) return undefined;
  const text = JSON.stringify(reply.body) as string | undefined;
  if (text === undefined) throw new TypeError('The reply body cannot be serialized as JSON.');
  return text;
}

/**
 * Sends `reply`. The body is serialized before anything is written, so a body JSON cannot
 * represent (a BigInt, a cycle) throws with the response still untouched and the caller can
 * send an error reply instead.
 */
export function sendReply(res: ServerResponse, reply: Reply, requestId: string): void {
  if (res.headersSent) {
    // The handler wrote the response itself; all we can still do is make sure it ends.
    if (!res.writableEnded) res.end();
    return;
  }
  const payload = payloadOf(reply);
  res.statusCode = reply.status;
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.cookies && reply.cookies.length > 0) res.setHeader('Set-Cookie', reply.cookies);
  res.setHeader('X-Request-Id', requestId);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (payload === undefined) {
    res.end();
    return;
  }
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(payload, 'utf8'));
  res.end(payload, 'utf8');
}
