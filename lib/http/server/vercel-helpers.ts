/**
 * The part of @vercel/node's request helpers our handlers use, for our Node server: req.query
 * (URL query merged with path params, path winning) and req.cookies. Vercel's response helpers
 * (res.status/json/send/redirect) are left out: the pipeline writes every response with plain
 * node:http calls (lib/http/send.ts). Unlike Vercel we never pre-read the body: the pipeline reads
 * the stream itself with its 1 MiB cap. @vercel/node does not export its own helpers (they are
 * private to its `vercel dev` launcher), so they cannot be reused here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { VercelRequest, VercelRequestQuery, VercelResponse } from '@vercel/node';
import { headerValue, parseCookies } from '../cookies.js';
import { requestUrl } from '../request-url.js';

function buildQuery(req: IncomingMessage, params: Record<string, string>): VercelRequestQuery {
  const query: VercelRequestQuery = {};
  for (const [key, value] of requestUrl(req).searchParams) {
    const existing = query[key];
    query[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return { ...query, ...params };
}

/** req and res typed as Vercel's; only req.query and req.cookies are really added. */
export function addHelpers(
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string>,
): { req: VercelRequest; res: VercelResponse } {
  const vreq = req as VercelRequest;
  vreq.query = buildQuery(req, params);
  vreq.cookies = parseCookies(headerValue(req.headers, 'cookie'));
  return { req: vreq, res: res as VercelResponse };
}
