/**
 * The Node HTTP server for the api/ handlers, used by both `npm run dev` (TypeScript through tsx)
 * and `npm start` (compiled JavaScript on plain node): node:http with Vercel filesystem routing
 * and the request helpers our handlers use, so both run the same handler code Vercel runs.
 * Unknown paths get a 404 in the API.md envelope, with X-Request-Id and the CORS
 * headers like every other response.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { notFound } from '../../errors.js';
import { logger } from '../../log.js';
import { closeStore } from '../../store/index.js';
import { requestUrl } from '../request-url.js';
import { withCors } from '../cors.js';
import { appErrorReply, errorReply } from '../error-reply.js';
import { requestIdFrom } from '../request-id.js';
import { sendReply } from '../send.js';
import { addHelpers } from './vercel-helpers.js';
import { createRouter, type Router, type RouteLoading } from './router.js';

/** api/ next to lib/: the sources under tsx, dist/api when compiled. */
export const DEFAULT_API_DIR = path.resolve(fileURLToPath(new URL('../../../api', import.meta.url)));

export interface StartServerOptions {
  port: number;
  /** Interface to bind; default all interfaces, like `vercel dev`. */
  host?: string;
  apiDir?: string;
  /** `at-start` (production) imports every route before listening; default `per-request` (dev). */
  routes?: RouteLoading;
  /** How long close() lets in-flight requests run before cutting their connections; default 2000. */
  drainMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to drainMs), closes the store. */
  close(): Promise<void>;
}

async function dispatch(req: IncomingMessage, res: ServerResponse, router: Router): Promise<void> {
  const requestId = requestIdFrom(req.headers['x-request-id']);
  try {
    const pathname = requestUrl(req).pathname;
    const found = pathname.startsWith('/api/') || pathname === '/api' ? await router.find(pathname) : undefined;
    if (!found) {
      sendReply(res, withCors(req, appErrorReply(notFound('Route'), requestId)), requestId);
      logger.info('request', { requestId, method: req.method, route: pathname, status: 404 });
      return;
    }
    const helpers = addHelpers(req, res, found.params);
    await found.handler(helpers.req, helpers.res);
  } catch (error) {
    // The handlers' own pipeline catches everything; this is for import failures and bare handlers.
    const reply = errorReply(error, requestId, logger.child({ requestId }));
    if (!res.headersSent) sendReply(res, withCors(req, reply), requestId);
    else res.destroy(error instanceof Error ? error : undefined);
  }
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const router = await createRouter(options.apiDir ?? DEFAULT_API_DIR, options.routes ?? 'per-request');
  let draining = false;
  const server = createServer((req, res) => {
    // While draining, a keep-alive connection must not outlive its last response.
    if (draining) res.setHeader('Connection', 'close');
    res.once('finish', () => {
      if (draining) server.closeIdleConnections();
    });
    void dispatch(req, res, router);
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
      draining = true;
      const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      server.closeIdleConnections();
      // In-flight requests get drainMs to finish; past that their connections are cut.
      const timer = setTimeout(() => server.closeAllConnections(), options.drainMs ?? 2000);
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
