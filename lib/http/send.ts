/**
 * Writes a Reply with plain node:http calls, so it works with or without the Vercel helpers.
 * Every response carries X-Request-Id and `Cache-Control: no-store` (API data is per-user).
 */
import type { ServerResponse } from 'node:http';
import type { Reply } from './route.js';

export function sendReply(res: ServerResponse, reply: Reply, requestId: string): void {
  if (res.headersSent) {
    // The handler wrote the response itself; all we can still do is make sure it ends.
    if (!res.writableEnded) res.end();
    return;
  }
  res.statusCode = reply.status;
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.cookies && reply.cookies.length > 0) res.setHeader('Set-Cookie', reply.cookies);
  res.setHeader('X-Request-Id', requestId);
  res.setHeader('Cache-Control', 'no-store');
  if (reply.body === undefined || reply.status === 204 || reply.status === 304) {
    res.end();
    return;
  }
  const payload = Buffer.from(JSON.stringify(reply.body), 'utf8');
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', payload.length);
  res.end(payload);
}
