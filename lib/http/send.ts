/**
 * Writes a Reply with plain node:http calls, so it works with or without the Vercel helpers.
 * Every response carries X-Request-Id, `Cache-Control: no-store` (API data is per-user) and
 * `X-Content-Type-Options: nosniff` (a browser never runs a JSON body as script or HTML).
 */
import type { ServerResponse } from 'node:http';
import type { Reply } from './route.js';

/** The body as bytes, or undefined for an empty response. Throws when the body cannot be serialized. */
function payloadOf(reply: Reply): Buffer | undefined {
  if (reply.body === undefined || reply.status === 204 || reply.status === 304) return undefined;
  return Buffer.from(JSON.stringify(reply.body), 'utf8');
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
  res.setHeader('Content-Length', payload.length);
  res.end(payload);
}
