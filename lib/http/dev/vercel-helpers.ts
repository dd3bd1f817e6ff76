/**
 * The subset of @vercel/node's request/response helpers our handlers may use, for the local dev
 * server: req.query (URL query merged with path params, path winning), req.cookies, res.status(),
 * res.json(), res.send(), res.redirect(). Unlike Vercel we never pre-read the body: the
 * pipeline reads the stream itself with its 1 MiB cap.
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

function sendBody(res: ServerResponse, body: unknown): void {
  if (body === undefined || body === null) {
    res.end();
  } else if (Buffer.isBuffer(body)) {
    if (!res.hasHeader('content-type')) res.setHeader('content-type', 'application/octet-stream');
    res.end(body);
  } else if (typeof body === 'string') {
    if (!res.hasHeader('content-type')) res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(body);
  } else {
    if (!res.hasHeader('content-type')) res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(body));
  }
}

export function addHelpers(
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string>,
): { req: VercelRequest; res: VercelResponse } {
  const vreq = req as VercelRequest;
  const vres = res as VercelResponse;
  vreq.query = buildQuery(req, params);
  vreq.cookies = parseCookies(headerValue(req.headers, 'cookie'));
  vres.status = (code: number) => {
    vres.statusCode = code;
    return vres;
  };
  vres.json = (body: unknown) => {
    if (!vres.hasHeader('content-type')) vres.setHeader('content-type', 'application/json; charset=utf-8');
    vres.end(JSON.stringify(body));
    return vres;
  };
  vres.send = (body: unknown) => {
    sendBody(vres, body);
    return vres;
  };
  vres.redirect = (statusOrUrl: string | number, url?: string) => {
    const [code, location] = typeof statusOrUrl === 'string' ? [307, statusOrUrl] : [statusOrUrl, url ?? '/'];
    vres.writeHead(code, { Location: location }).end();
    return vres;
  };
  return { req: vreq, res: vres };
}
