/**
 * docs/openapi.json stays true to the code: it equals what scripts/generate-openapi.ts produces
 * now, and its paths are exactly the route files under api/ (Vercel filesystem routing).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OPENAPI_PATH, renderOpenApi } from '../../scripts/generate-openapi.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** api/conversations/[id]/messages.ts → /api/conversations/{id}/messages; index.ts → its folder. */
function routePath(file: string): string {
  const rel = relative(root, file).replace(/\\/g, '/').replace(/\.ts$/, '').replace(/\/index$/, '');
  return `/${rel.replace(/\[(\w+)\]/g, '{$1}')}`;
}

describe('docs/openapi.json', () => {
  it('is up to date (run: npx tsx scripts/generate-openapi.ts)', () => {
    expect(readFileSync(OPENAPI_PATH, 'utf8')).toBe(renderOpenApi());
  });

  it('has a path for every route file under api/ and no path without one', () => {
    const document = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as { paths: Record<string, unknown> };
    const fromFiles = routeFiles(join(root, 'api')).map(routePath).sort();
    expect(Object.keys(document.paths).sort()).toEqual(fromFiles);
  });
});
