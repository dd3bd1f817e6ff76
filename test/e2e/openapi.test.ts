/**
 * docs/openapi.json stays true to the code: it equals what scripts/generate-openapi.ts produces
 * now (and so does client/openapi.ts), its paths are exactly the route files under api/ (Vercel
 * filesystem routing), and its examples parse with their schemas.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_TYPES_PATH,
  OPENAPI_PATH,
  renderClientTypesFile,
  renderOpenApi,
} from '../../scripts/generate-openapi.js';
import { requestExamples, responseExamples } from '../../scripts/openapi/examples.js';
import { responseSchemas, routes } from '../../scripts/openapi/routes.js';

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
  const rel = relative(root, file)
    .replace(/\\/g, '/')
    .replace(/\.ts$/, '')
    .replace(/\/index$/, '');
  return `/${rel.replace(/\[(\w+)\]/g, '{$1}')}`;
}

describe('docs/openapi.json', () => {
  it('is up to date (run: npx tsx scripts/generate-openapi.ts)', () => {
    expect(readFileSync(OPENAPI_PATH, 'utf8')).toBe(renderOpenApi());
  });

  it('has client/openapi.ts, the typed client types, generated from it (run: npm run openapi)', async () => {
    expect(readFileSync(CLIENT_TYPES_PATH, 'utf8')).toBe(await renderClientTypesFile());
  });

  it('has a path for every route file under api/ and no path without one', () => {
    const document = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as { paths: Record<string, unknown> };
    const fromFiles = routeFiles(join(root, 'api')).map(routePath).sort();
    expect(Object.keys(document.paths).sort()).toEqual(fromFiles);
  });

  it('has examples that parse with the schemas they illustrate', () => {
    for (const [name, example] of Object.entries(responseExamples)) {
      const schema = responseSchemas[name];
      expect(schema, name).toBeDefined();
      expect(schema!.safeParse(example).error, name).toBeUndefined();
    }
    for (const route of routes) {
      if (!route.body) continue;
      expect(route.body.schema.safeParse(requestExamples[route.body.name]).error, route.body.name).toBeUndefined();
    }
  });

  it('gives every operation a tag, a description, an example and the statuses the pipeline answers', () => {
    const document = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as {
      paths: Record<
        string,
        Record<
          string,
          {
            tags?: string[];
            description?: string;
            requestBody?: unknown;
            responses: Record<string, { content?: Record<string, { example?: unknown }> }>;
          }
        >
      >;
    };
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const where = `${method} ${path}`;
        expect(op.tags?.length, where).toBe(1);
        expect(op.description, where).toBeTruthy();
        const statuses = Object.keys(op.responses);
        expect(statuses, where).toEqual(expect.arrayContaining(['415', '500', '503', 'default']));
        if (op.requestBody) expect(statuses, where).toEqual(expect.arrayContaining(['400', '413']));
        const success = Object.entries(op.responses).find(([status]) => status.startsWith('2'));
        const content = success?.[1].content?.['application/json'];
        if (content) expect(content.example, where).toBeDefined();
      }
    }
  });
});
