/**
 * Request routing over a Build Output API `config.json`: the `routes` Vercel generated (the
 * regexes for `[id]` segments, the `/api` 404, the `.ts` suffix fallback), applied the way Vercel
 * applies them — the subset this project's output uses, modelled on `vercel dev`'s router:
 *
 * - phases split by `{ "handle": … }`; routes before the first handle run first;
 * - `filesystem`: the path names a static file or a function (`/x` also finds `x/index`);
 * - then the routes after `filesystem`: `src` is a case-insensitive regex; `dest` rewrites the path
 *   with `$1…` and may add a query (`?id=$1`), merged under the request's own query (the
 *   request's keys win, as in `vercel dev`); `check: true` re-checks the filesystem and falls
 *   through to the `miss` routes; a `status` without `dest` ends routing with that status;
 * - `miss`: routes tried when a rewritten path finds nothing.
 *
 * A function receives the original path with the merged query, which is how the dynamic segments
 * of `[id].ts` reach a handler: as query parameters.
 */
import { z } from 'zod';

const routeSchema = z.union([
  z.object({ handle: z.string() }),
  z.object({
    src: z.string(),
    dest: z.string().optional(),
    status: z.number().int().optional(),
    check: z.boolean().optional(),
    continue: z.boolean().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
]);
export const outputConfigSchema = z.object({ version: z.literal(3), routes: z.array(routeSchema).default([]) });
export type OutputConfig = z.infer<typeof outputConfigSchema>;
type SourceRoute = Exclude<OutputConfig['routes'][number], { handle: string }>;

/** What the filesystem phase can find for a path. */
export interface Filesystem {
  /** The function route for a path (`/api/health`), or undefined. */
  functionFor(pathname: string): string | undefined;
  /** A static file for a path, or undefined. */
  staticFor(pathname: string): string | undefined;
}

export type Resolution =
  | { kind: 'function'; route: string; search: URLSearchParams }
  | { kind: 'static'; file: string }
  | { kind: 'status'; status: number };

interface Phases {
  initial: SourceRoute[];
  byHandle: Map<string, SourceRoute[]>;
}

function splitPhases(config: OutputConfig): Phases {
  const initial: SourceRoute[] = [];
  const byHandle = new Map<string, SourceRoute[]>();
  let current = initial;
  for (const route of config.routes) {
    if ('handle' in route) {
      current = [];
      byHandle.set(route.handle, current);
    } else current.push(route);
  }
  return { initial, byHandle };
}

function expand(template: string, match: RegExpExecArray): string {
  return template.replace(/\$(\d+)/g, (_, n: string) => match[Number(n)] ?? '');
}

/** The query of a rewrite's destination with the request's own parameters laid over it. */
function mergeQuery(destSearch: string, request: URLSearchParams): URLSearchParams {
  const merged = new URLSearchParams(destSearch);
  for (const key of new Set(request.keys())) {
    merged.delete(key);
    for (const value of request.getAll(key)) merged.append(key, value);
  }
  return merged;
}

/** Routes a request path (already percent-decoded as Vercel matches it) with its query. */
export function createResolver(
  config: OutputConfig,
  fs: Filesystem,
): (pathname: string, search: URLSearchParams) => Resolution {
  const phases = splitPhases(config);
  const compiled = new Map<SourceRoute, RegExp>();
  const regex = (route: SourceRoute): RegExp => {
    let re = compiled.get(route);
    if (!re) compiled.set(route, (re = new RegExp(route.src, 'i')));
    return re;
  };

  const hit = (pathname: string, search: URLSearchParams): Resolution | undefined => {
    const fn = fs.functionFor(pathname);
    if (fn !== undefined) return { kind: 'function', route: fn, search };
    const file = fs.staticFor(pathname);
    return file === undefined ? undefined : { kind: 'static', file };
  };

  /** Runs one phase's routes; `undefined` means "nothing decided, carry on with `state`". */
  const run = (
    routes: SourceRoute[],
    state: { pathname: string; search: URLSearchParams },
    allowMiss: boolean,
  ): Resolution | undefined => {
    for (const route of routes) {
      const match = regex(route).exec(state.pathname);
      if (!match) continue;
      if (route.dest !== undefined) {
        const dest = new URL(expand(route.dest, match), 'http://output.invalid');
        const next = { pathname: dest.pathname, search: mergeQuery(dest.search, state.search) };
        if (route.continue) {
          Object.assign(state, next);
          continue;
        }
        if (!route.check) return hit(next.pathname, next.search) ?? { kind: 'status', status: route.status ?? 404 };
        const found = hit(next.pathname, next.search);
        if (found) return found;
        const missed = allowMiss ? run(phases.byHandle.get('miss') ?? [], { ...next }, false) : undefined;
        if (missed) return missed;
        Object.assign(state, next);
        continue;
      }
      if (route.status !== undefined && !route.continue) return { kind: 'status', status: route.status };
    }
    return undefined;
  };

  return (pathname, search) => {
    const state = { pathname, search };
    const initial = run(phases.initial, state, true);
    if (initial) return initial;
    const direct = hit(state.pathname, state.search);
    if (direct) return direct;
    const routed = run(phases.byHandle.get('filesystem') ?? [], state, true);
    if (routed) return routed;
    return run(phases.byHandle.get('miss') ?? [], { ...state }, false) ?? { kind: 'status', status: 404 };
  };
}
