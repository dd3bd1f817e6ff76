/**
 * Vercel-style filesystem routing for our Node server (dev and production): `api/health.ts` → /api/health,
 * `api/conversations/index.ts` → /api/conversations, `api/conversations/[id].ts` →
 * /api/conversations/:id, `api/conversations/[id]/messages.ts`. Static segments win over dynamic
 * ones; files and folders starting with `_` or `.` are not routes; tests and .d.ts are ignored.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';

export interface FsRoute {
  /** Absolute path of the handler module. */
  file: string;
  /** URL segments; `[name]` marks a dynamic one. */
  segments: string[];
}

export interface RouteMatch {
  route: FsRoute;
  params: Record<string, string>;
}

const HANDLER_FILE = /^(?!.*\.d\.ts$)(?!.*\.test\.[cm]?[jt]s$)(?!.*\.spec\.[cm]?[jt]s$).+\.(?:[cm]?ts|[cm]?js)$/;
const DYNAMIC = /^\[([A-Za-z_$][\w$]*)\]$/;

function isHidden(name: string): boolean {
  return name.startsWith('_') || name.startsWith('.');
}

/** Every handler file under `apiDir`, as routes under `/api`. */
export async function scanRoutes(apiDir: string): Promise<FsRoute[]> {
  const routes: FsRoute[] = [];
  async function walk(dir: string, prefix: string[]): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      if (isHidden(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full, [...prefix, entry.name]);
      else if (entry.isFile() && HANDLER_FILE.test(entry.name)) {
        const base = entry.name.replace(/\.[cm]?[jt]s$/, '');
        routes.push({ file: full, segments: base === 'index' ? prefix : [...prefix, base] });
      }
    }
  }
  await walk(apiDir, ['api']);
  return routes;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * The route for a URL path. At each segment a static match is preferred over a dynamic one
 * (with backtracking), which is how Vercel ranks `api/conversations/search.ts` over `[id].ts`.
 */
export function matchRoute(routes: readonly FsRoute[], pathname: string): RouteMatch | undefined {
  const parts = pathname.split('/').filter((p) => p !== '');
  const decoded = parts.map(decodeSegment);
  if (decoded.some((p) => p === undefined)) return undefined;
  return matchFrom(routes, decoded as string[], 0, {});
}

function matchFrom(
  routes: readonly FsRoute[],
  parts: string[],
  depth: number,
  params: Record<string, string>,
): RouteMatch | undefined {
  if (depth === parts.length) {
    const route = routes.find((r) => r.segments.length === depth);
    return route ? { route, params } : undefined;
  }
  const candidates = routes.filter((r) => r.segments.length > depth);
  const part = parts[depth]!;
  const staticRoutes = candidates.filter((r) => r.segments[depth] === part);
  const staticMatch = staticRoutes.length > 0 ? matchFrom(staticRoutes, parts, depth + 1, params) : undefined;
  if (staticMatch) return staticMatch;
  const byName = new Map<string, FsRoute[]>();
  for (const route of candidates) {
    const name = DYNAMIC.exec(route.segments[depth] ?? '')?.[1];
    if (name !== undefined) byName.set(name, [...(byName.get(name) ?? []), route]);
  }
  for (const [name, group] of byName) {
    const match = matchFrom(group, parts, depth + 1, { ...params, [name]: part });
    if (match) return match;
  }
  return undefined;
}
