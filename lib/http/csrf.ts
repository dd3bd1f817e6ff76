/**
 * Cross-site request forgery guard for the session cookie. With `COOKIE_SAME_SITE=none` a browser
 * attaches tb_session to requests that other sites trigger, so a cookie-authenticated unsafe
 * request (POST/PUT/PATCH/DELETE) whose Origin is neither this host nor in CORS_ORIGINS is refused
 * with 401. Bearer tokens are exempt (a browser never adds an Authorization header by itself), and
 * so are requests without Origin (non-browser clients; browsers send it on every unsafe request).
 * The other two layers are in the pipeline: 415 for non-JSON bodies (a plain form cannot send
 * JSON) and CORS (a JSON request from an unlisted origin fails its preflight). docs/browsers.md.
 */
import { SESSION_COOKIE } from '../auth/credentials.js';
import { unauthorized } from '../errors.js';
import { isListedOrigin } from './cors.js';
import type { RequestContext } from './route.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** True when `origin`'s host:port is the host this request was sent to (directly or via a proxy). */
function isSameHost(origin: string, ctx: Pick<RequestContext, 'header'>): boolean {
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false; // "null" (sandboxed frames, privacy-sensitive redirects) and garbage
  }
  // A forged X-Forwarded-Host cannot come from a page: cross-site requests cannot set it.
  return host === ctx.header('host') || host === ctx.header('x-forwarded-host');
}

/** Throws 401 for a cookie-authenticated unsafe request from a foreign origin. */
export function refuseForeignCookieWrite(ctx: Pick<RequestContext, 'method' | 'header' | 'cookie'>): void {
  if (SAFE_METHODS.has(ctx.method)) return;
  if (ctx.header('authorization') !== undefined || !ctx.cookie(SESSION_COOKIE)) return;
  const origin = ctx.header('origin');
  if (origin === undefined || isListedOrigin(origin) || isSameHost(origin, ctx)) return;
  throw unauthorized(
    'The session cookie is not accepted on writes from this origin; list it in CORS_ORIGINS or send a Bearer token.',
  );
}
