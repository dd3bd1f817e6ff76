/**
 * The local dev server: node:http in front of the api/ handlers with Vercel filesystem routing and
 * Vercel's request/response helpers, so `npm run dev` runs the same handler code Vercel runs.
 * Unknown paths get a 404 in the API.md envelope, with X-Request-Id and the CORS headers like
 * every other response.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { VercelRequest, VercelResponse } from '@vercel/node';
import { internal, notFound } from '../../errors.js';
import { logger } from '../../log.js';
import { closeStore } from '../../store/index.js';
import { requestUrl } from '../request-url.js';
import { withCors } from '../cors.js';
import { appErrorReply, errorReply } from '../error-reply.js';
import { requestIdFrom } from '../request-id.js';
import { sendReply } from '../send.js';
import { addHelpers } from './vercel-helpers.js';
import { matchRoute, scanRoutes, type FsRoute, type RouteMatch } from './fs-routes.js';

export const DEFAULT_API_DIR = path.resolve(fileURLToPath(new URL('../../../api', import.meta.url)));

export interface StartServerOptions {
  port: number;
  /** Interface to bind; default all interfaces, like `vercel dev`. */
  host?: string;
  apiDir?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting, ends open connections, closes the store. */
  close(): Promise<void>;
}

type Handler = (req: VercelRequest, res: VercelResponse) => unknown;

async function loadHandler(file: string): Promise<Handler> {
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  if (typeof mod.default !== 'function') throw internal(new Error(`${file} has no default export handler`));
  return mod.default as Handler;
}

function createRouter(apiDir: string): (pathname: string) => Promise<RouteMatch | undefined> {
  let routes: Promise<FsRoute[]> | undefined;
  return async (pathname) => {
    routes ??= scanRoutes(apiDir);
    const match = matchRoute(await routes, pathname);
    if (match) return match;
    // Files added while the server runs: rescan once before answering 404.
    routes = scanRoutes(apiDir);
    return matchRoute(await routes, pathname);
  };
}

async function dispatch(req: IncomingMessage, res: ServerResponse, route: ReturnType<typeof createRouter>): Promise<void> {
  const requestId = requestIdFrom(req.headers['x-request-id']);
  try {
    const pathname = requestUrl(req).pathname;
    const match = pathname.startsWith('/api/') || pathname === '/api' ? await route(pathname) : undefined;
    if (!match) {
      sendReply(res, withCors(req, appErrorReply(notFound('Route'), requestId)), requestId);
      logger.info('request', { requestId, method: req.method, route: pathname, status: 404 });
      return;
    }
    const handler = await loadHandler(match.route.file);
    const helpers = addHelpers(req, res, match.params);
    await handler(helpers.req, helpers.res);
  } catch (error) {
    // The handlers' own pipeline catches everything; this is for import failures and bare handlers.
    const reply = errorReply(error, requestId, logger.child({ requestId }));
    if (!res.headersSent) sendReply(res, withCors(req, reply), requestId);
    else res.destroy(error instanceof Error ? error : undefined);
  }
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const route = createRouter(options.apiDir ?? DEFAULT_API_DIR);
  const server = createServer((req, res) => {
    void dispatch(req, res, route);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      server.closeIdleConnections();
      // In-flight requests get a moment to finish; keep-alive sockets do not hold shutdown up.
      const timer = setTimeout(() => server.closeAllConnections(), 2000);
      try {
        await closed;
      } finally {
        clearTimeout(timer);
        await closeStore();
      }
    })();
    return closing;
  };
  return { url: `http://localhost:${port}`, port, close };
}
