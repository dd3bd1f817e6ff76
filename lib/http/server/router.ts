/**
 * From a URL path to the handler that answers it, over fs-routes' table. `at-start` (the
 * production server) scans api/ and imports every handler once, before the server listens: a
 * broken route fails the start, and a request costs no module lookup. `per-request` (the dev
 * server) scans lazily, imports the matched module on each request through the TypeScript
 * loader, and rescans once before answering 404, so a route file added while it runs is served.
 */
import { pathToFileURL } from 'node:url';
import type { VercelRequest, VercelResponse } from '@vercel/node';
import { matchRoute, scanRoutes, type FsRoute } from './fs-routes.js';

export type Handler = (req: VercelRequest, res: VercelResponse) => unknown;
export type RouteLoading = 'at-start' | 'per-request';

export interface FoundRoute {
  handler: Handler;
  params: Record<string, string>;
}

export interface Router {
  find(pathname: string): Promise<FoundRoute | undefined>;
}

async function loadHandler(file: string): Promise<Handler> {
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  // A plain Error: at start it names the file; during a request the dispatcher logs it as a 500.
  if (typeof mod.default !== 'function') throw new Error(`${file} has no default export handler`);
  return mod.default as Handler;
}

async function eagerRouter(apiDir: string): Promise<Router> {
  const routes = await scanRoutes(apiDir);
  const handlers = new Map<FsRoute, Handler>();
  for (const route of routes) handlers.set(route, await loadHandler(route.file));
  return {
    find(pathname) {
      const match = matchRoute(routes, pathname);
      const handler = match && handlers.get(match.route);
      return Promise.resolve(match && handler ? { handler, params: match.params } : undefined);
    },
  };
}

function lazyRouter(apiDir: string): Router {
  let routes: Promise<FsRoute[]> | undefined;
  const match = async (pathname: string) => {
    routes ??= scanRoutes(apiDir);
    const found = matchRoute(await routes, pathname);
    if (found) return found;
    // Files added while the server runs: rescan once before answering 404.
    routes = scanRoutes(apiDir);
    return matchRoute(await routes, pathname);
  };
  return {
    async find(pathname) {
      const found = await match(pathname);
      return found && { handler: await loadHandler(found.route.file), params: found.params };
    },
  };
}

export async function createRouter(apiDir: string, loading: RouteLoading): Promise<Router> {
  return loading === 'at-start' ? eagerRouter(apiDir) : lazyRouter(apiDir);
}
