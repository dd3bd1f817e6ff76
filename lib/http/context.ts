/**
 * Builds the RequestContext a handler sees: lazy, cached body parsing, query validation,
 * header/cookie access and authentication over one request.
 */
import type { VercelRequest } from '@vercel/node';
import type { z } from 'zod';
import { authenticate, type AuthContext } from '../auth/credentials.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';
import { readJsonBody } from './body.js';
import { requestUrl } from './request-url.js';
import { headerValue, parseCookies } from './cookies.js';
import { refuseForeignCookieWrite } from './csrf.js';
import type { HttpMethod, RequestContext } from './route.js';
import { queryObject, queryValues, validate, validateSync } from './validation.js';

export interface ContextInput {
  req: VercelRequest;
  method: HttpMethod;
  requestId: string;
  store: Store;
  log: Logger;
  /** Called with the user id once authentication succeeds (for the request log line). */
  onAuth: (userId: string) => void;
}

/** req.query (set by Vercel and by our dev server) as single values; else the URL's query. */
function paramsOf(req: VercelRequest, rawQuery: URLSearchParams): Record<string, string> {
  const query: unknown = (req as { query?: unknown }).query;
  if (query === null || typeof query !== 'object') return queryObject(rawQuery);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
    const last: unknown = Array.isArray(value) ? value[value.length - 1] : value;
    if (typeof last === 'string') out[key] = last;
  }
  return out;
}

/** The CSRF guard, then the credential lookup; reports the user for the request log line. */
async function authenticateRequest(ctx: RequestContext, onAuth: (userId: string) => void): Promise<AuthContext> {
  refuseForeignCookieWrite(ctx);
  const auth = await authenticate(ctx);
  onAuth(auth.user.id);
  return auth;
}

export function createContext(input: ContextInput): RequestContext {
  const { req, store } = input;
  const rawQuery = requestUrl(req).searchParams;
  let cookies: Record<string, string> | undefined;
  let parsedBody: Promise<unknown> | undefined;
  let authed: Promise<AuthContext> | undefined;

  const ctx: RequestContext = {
    req,
    method: input.method,
    requestId: input.requestId,
    store,
    now: () => new Date().toISOString(),
    log: input.log,
    params: paramsOf(req, rawQuery),
    rawQuery,
    header: (name) => headerValue(req.headers, name),
    cookie: (name) => {
      cookies ??= parseCookies(headerValue(req.headers, 'cookie'));
      return cookies[name];
    },
    async body<T>(schema: z.ZodType<T>): Promise<T> {
      parsedBody ??= readJsonBody(req);
      return validate(schema, await parsedBody);
    },
    query<T>(schema: z.ZodType<T>): T {
      return validateSync(schema, queryValues(rawQuery));
    },
    auth(): Promise<AuthContext> {
      authed ??= authenticateRequest(ctx, input.onAuth);
      return authed;
    },
  };
  return ctx;
}
