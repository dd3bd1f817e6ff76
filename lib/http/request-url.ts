/**
 * The request URL, parsed. `req.url` is a path, so it is appended to a fixed origin rather than
 * resolved against it: `//host/x` must stay a path, not become another host.
 */
import type { IncomingMessage } from 'node:http';

export function requestUrl(req: IncomingMessage): URL {
  return new URL(`http://localhost${req.url?.startsWith('/') ? req.url : `/${req.url ?? ''}`}`);
}
