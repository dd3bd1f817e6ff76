/**
 * The request URL, parsed. `req.url` is a path, so it is appended to a fixed origin rather than
 * resolved against it: `//host/x` must stay a path, not become another host. Parsed once per
 * request (the server's routing, the query helpers and the context all read it); a changed
 * `req.url` is parsed afresh.
 */
import type { IncomingMessage } from 'node:http';

const parsed = new WeakMap<IncomingMessage, { url: string | undefined; value: URL }>();

export function requestUrl(req: IncomingMessage): URL {
  const known = parsed.get(req);
  if (known !== undefined && known.url === req.url) return known.value;
  const value = new URL(`http://localhost${req.url?.startsWith('/') ? req.url : `/${req.url ?? ''}`}`);
  parsed.set(req, { url: req.url, value });
  return value;
}
