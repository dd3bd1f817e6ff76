/**
 * Vercel's Node.js request helpers as its launcher adds them when a function's `.vc-config.json`
 * sets `shouldAddHelpers` (@vercel/node 24, src/serverless-functions/helpers.ts, which the package
 * does not export): lazy `req.query`, `req.cookies` and `req.body` — the whole body read first
 * whenever the request has a Content-Type, then replayed to the handler's own stream reads — and
 * `res.status/json/send`. The same steps at the same moments, in less code (no ETag, no charset
 * rewriting): the cold-start bench needs their cost and their effect on the request, not every
 * edge of their output, and Threadbase writes its responses with plain node:http calls.
 */
import { createRequire } from 'node:module';

// Through require, like platform-launcher.mjs's built-ins.
const { PassThrough } = createRequire(import.meta.url)('node:stream');

function setLazyProp(req, prop, getter) {
  Object.defineProperty(req, prop, {
    configurable: true,
    enumerable: true,
    get() {
      const value = getter();
      Object.defineProperty(req, prop, { configurable: true, enumerable: true, writable: true, value });
      return value;
    },
    set(value) {
      Object.defineProperty(req, prop, { configurable: true, enumerable: true, writable: true, value });
    },
  });
}

function parseQuery(url) {
  const query = {};
  for (const [key, value] of new URL(url ?? '/', 'http://localhost').searchParams) {
    const existing = query[key];
    query[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return query;
}

function parseCookies(header) {
  const cookies = {};
  for (const pair of (Array.isArray(header) ? header.join(';') : (header ?? '')).split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0) cookies[pair.slice(0, eq).trim()] ??= decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return cookies;
}

function parseBody(body, contentType) {
  const type = (contentType ?? 'text/plain').split(';', 1)[0].trim().toLowerCase();
  if (type === 'application/json') {
    const text = body.toString();
    return text ? JSON.parse(text) : {};
  }
  if (type === 'application/octet-stream') return body;
  if (type === 'text/plain') return body.toString();
  return undefined;
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  const replay = new PassThrough();
  const on = replay.on.bind(replay);
  const originalOn = req.on.bind(req);
  req.read = replay.read.bind(replay);
  req.on = req.addListener = (name, cb) => (name === 'data' || name === 'end' ? on(name, cb) : originalOn(name, cb));
  replay.end(body);
  return body;
}

/** Adds the helpers to one request/response pair, as Vercel's launcher does before calling the handler. */
export async function addHelpers(req, res) {
  setLazyProp(req, 'cookies', () => parseCookies(req.headers.cookie));
  setLazyProp(req, 'query', () => parseQuery(req.url));
  const contentType = req.headers['content-type'];
  const body = contentType === undefined ? Buffer.alloc(0) : await readBody(req);
  setLazyProp(req, 'body', () => parseBody(body, contentType));
  res.status = (code) => ((res.statusCode = code), res);
  res.send = (value) => {
    if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) return res.json(value);
    res.end(value ?? '');
    return res;
  };
  res.json = (value) => {
    if (!res.getHeader('content-type')) res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(value));
    return res;
  };
}
