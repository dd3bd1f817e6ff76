/**
 * A Build Output API directory (`vercel build`'s `.vercel/output`) opened for serving: its
 * functions as a deployment holds them (./functions.ts, deployFunctions) and the resolver of
 * `config.json`'s routes over them and `static/` (./routes.ts). The local router (./server.ts)
 * and `npm run bench:api` (which sends each request straight to the function serving it) both
 * route through this, so they agree on which function answers which URL and with which query.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { deployFunctions, type OutputFunction } from './functions.js';
import { createResolver, outputConfigSchema, type Filesystem, type Resolution } from './routes.js';

export interface OpenedOutput {
  functions: OutputFunction[];
  byRoute: Map<string, OutputFunction>;
  /** Where a request goes: a function (with the query it gets), a static file, or a status. */
  resolve(pathname: string, search: URLSearchParams): Resolution;
}

async function listStatic(dir: string, prefix = ''): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const rel = `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...(await listStatic(path.join(dir, entry.name), rel)));
    else if (entry.isFile()) files.push(rel);
  }
  return files;
}

function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}

/** Opens `outputDir`; `projectDir` holds the sources of `filePathMap` (default the directory that holds `.vercel/`). */
export async function openOutput(outputDir: string, projectDir?: string): Promise<OpenedOutput> {
  const dir = path.resolve(outputDir);
  const config = outputConfigSchema.parse(JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8')));
  const functions = await deployFunctions(dir, projectDir ?? path.resolve(dir, '..', '..'));
  const staticDir = path.join(dir, 'static');
  const staticFiles = new Set(await listStatic(staticDir));
  const byRoute = new Map(functions.map((fn) => [fn.route, fn]));
  const filesystem: Filesystem = {
    functionFor(pathname) {
      const p = decodePath(pathname);
      for (const candidate of [p, p === '/' ? '/index' : `${p.replace(/\/$/, '')}/index`]) {
        if (byRoute.has(candidate)) return candidate;
      }
      return undefined;
    },
    staticFor(pathname) {
      const p = decodePath(pathname);
      for (const candidate of [p, `${p.replace(/\/$/, '')}/index.html`]) {
        if (staticFiles.has(candidate)) return path.join(staticDir, candidate);
      }
      return undefined;
    },
  };
  return { functions, byRoute, resolve: createResolver(config, filesystem) };
}
