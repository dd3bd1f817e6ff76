/**
 * CORS (API.md, Conventions): which browser origins may call the API, the answer to OPTIONS
 * (a preflight for a listed origin, else 204 + Allow), and the headers every other response to a
 * listed origin carries, errors included. Applied once, by the request pipeline (route.ts) and by
 * the servers' own 404, so the dev server, the production server and Vercel behave the same.
 * Origins not listed (and all of them when CORS_ORIGINS is unset) get no Access-Control-* header.
 */
import type { IncomingMessage } from 'node:http';
import { config } from '../config.js';
import { headerValue } from './cookies.js';
import type { Reply } from './route.js';

/** Request headers a frontend may send (Content-Type: application/json is not a "simple" one). */
export const CORS_ALLOW_HEADERS = 'Authorization, Content-Type, Idempotency-Key, X-Request-Id';
/** Response headers JavaScript may read besides the CORS-safelisted ones. */
export const CORS_EXPOSE_HEADERS = 'X-Request-Id, Retry-After';
/** How long a browser may cache a preflight (Chromium caps it at 7200). */
export const CORS_MAX_AGE_SECONDS = 600;

/** True when `origin` is in CORS_ORIGINS (exact string match, as browsers send it). */
export function isListedOrigin(origin: string): boolean {
  return config().corsOrigins.includes(origin);
}

function listedOriginOf(req: IncomingMessage): string | undefined {
  const origin = headerValue(req.headers, 'origin');
  return origin !== undefined && isListedOrigin(origin) ? origin : undefined;
}

/** A CORS preflight: OPTIONS with Origin and Access-Control-Request-Method. */
export function isPreflight(req: IncomingMessage): boolean {
  return (
    req.method === 'OPTIONS' &&
    headerValue(req.headers, 'origin') !== undefined &&
    headerValue(req.headers, 'access-control-request-method') !== undefined
  );
}

/**
 * The answer to any OPTIONS request, before method dispatch, authentication and body checks:
 * `204` with `Allow`, plus the preflight headers when it is a preflight from a listed origin.
 */
export function optionsReply(req: IncomingMessage, methods: readonly string[]): Reply {
  const headers: Record<string, string> = { Allow: [...methods, 'OPTIONS'].join(', ') };
  if (isPreflight(req) && listedOriginOf(req) !== undefined) {
    headers['Access-Control-Allow-Methods'] = methods.join(', ');
    headers['Access-Control-Allow-Headers'] = CORS_ALLOW_HEADERS;
    headers['Access-Control-Max-Age'] = String(CORS_MAX_AGE_SECONDS);
  }
  return { status: 204, headers };
}

/**
 * `reply` with the CORS response headers for a listed origin. With CORS configured every response
 * varies by Origin (`Vary: Origin`, listed or not), so a shared cache never serves one origin's
 * answer to another.
 */
export function withCors(req: IncomingMessage, reply: Reply): Reply {
  if (config().corsOrigins.length === 0) return reply;
  const headers: Record<string, string> = { ...reply.headers, Vary: 'Origin' };
  const origin = listedOriginOf(req);
  if (origin !== undefined) {
    headers['Access-Control-Allow-Origin'] = origin;
    headers['Access-Control-Allow-Credentials'] = 'true';
    if (!isPreflight(req)) headers['Access-Control-Expose-Headers'] = CORS_EXPOSE_HEADERS;
  }
  return { ...reply, headers };
}
