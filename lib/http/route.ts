/**
 * The request pipeline every `@vercel/node` handler goes through: `defineRoute({ GET, POST, … })`.
 * It sets X-Request-Id and Cache-Control on every response, answers OPTIONS and adds the CORS
 * headers (cors.ts), dispatches by method (405 + Allow),
 * gives handlers a RequestContext (store, validated body/query, auth), turns AppError/ZodError into
 * the API.md envelope and anything else into a logged 500, and logs one line per request.
 */
import type { VercelRequest, VercelResponse } from '@vercel/node';
import type { z } from 'zod';
import { methodNotAllowed, unsupportedMediaType } from '../errors.js';
import { logger, type Logger } from '../log.js';
import { requestDeadline, type Deadline } from '../request-deadline.js';
import { getStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import type { AuthContext } from '../auth/credentials.js';
import { announcesBody, isJsonContentType } from './body.js';
import { createContext } from './context.js';
import { optionsReply, withCors } from './cors.js';
import { errorReply } from './error-reply.js';
import { requestIdFrom } from './request-id.js';
import { sendReply } from './send.js';

export type { AuthContext } from '../auth/credentials.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Full Set-Cookie values. */
  cookies?: string[];
}

export interface RequestContext {
  req: VercelRequest;
  method: HttpMethod;
  requestId: string;
  store: Store;
  /** ISO-8601 UTC time with milliseconds. */
  now: () => string;
  /** Bound to requestId. */
  log: Logger;
  /**
   * Path parameters ([id] segments). Vercel delivers them merged into the query string (and so
   * does our dev server), so this is req.query with single values, the path's value winning.
   */
  params: Record<string, string>;
  /** 415 unless application/json; 413 over 1 MiB; 400 bad_request on malformed JSON; 400 validation_failed per field. */
  body<T>(schema: z.ZodType<T>): Promise<T>;
  /** Validates the query string; a repeated key is an array, so a string field refuses it with 400. */
  query<T>(schema: z.ZodType<T>): T;
  rawQuery: URLSearchParams;
  /** 401 unauthorized unless a valid Bearer token or tb_session cookie. Cached per request. */
  auth(): Promise<AuthContext>;
  header(name: string): string | undefined;
  cookie(name: string): string | undefined;
}

export type Handler = (ctx: RequestContext) => Promise<Reply>;
export type RouteHandlers = Partial<Record<HttpMethod, Handler>>;

function pathOf(req: VercelRequest): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

interface Dispatch {
  req: VercelRequest;
  /** REQUEST_TIMEOUT_MS from the request's start: bounds the handler's database work (lib/request-deadline.ts). */
  deadline: Deadline;
  requestId: string;
  log: Logger;
  onAuth: (userId: string) => void;
}

/** Method dispatch and the handler call; every failure becomes an error reply. */
async function run(handlers: RouteHandlers, allow: readonly HttpMethod[], d: Dispatch): Promise<Reply> {
  try {
    // Preflights come without credentials or body: answered before dispatch, auth and body checks.
    if (d.req.method === 'OPTIONS') return optionsReply(d.req, allow);
    const method = d.req.method as HttpMethod;
    const handler = allow.includes(method) ? handlers[method] : undefined;
    if (!handler) throw methodNotAllowed(allow);
    // API.md: a request that carries a body must carry JSON, even where the route reads none.
    if (announcesBody(d.req) && !isJsonContentType(d.req.headers['content-type'])) throw unsupportedMediaType();
    const shared = await getStore();
    const store = shared.forRequest?.(d.deadline) ?? shared;
    return await handler(createContext({ ...d, method, store }));
  } catch (error) {
    return errorReply(error, d.requestId, d.log);
  }
}

export function defineRoute(handlers: RouteHandlers): (req: VercelRequest, res: VercelResponse) => Promise<void> {
  const allow = METHODS.filter((m) => handlers[m] !== undefined);
  return async function route(req, res) {
    const started = performance.now();
    const requestId = requestIdFrom(req.headers['x-request-id']);
    const log = logger.child({ requestId });
    let userId: string | undefined;
    const deadline = requestDeadline();
    let reply = withCors(
      req,
      await run(handlers, allow, { req, deadline, requestId, log, onAuth: (id) => (userId = id) }),
    );
    try {
      sendReply(res, reply, requestId);
    } catch (error) {
      reply = withCors(req, errorReply(error, requestId, log));
      sendReply(res, reply, requestId);
    }
    log.info('request', {
      method: req.method,
      route: pathOf(req),
      status: reply.status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      userId,
    });
  };
}
