/**
 * lib/http/server/router.ts on a temp api/ directory of plain .mjs handlers: `at-start` imports
 * every route before the server listens (a broken route fails the start; a file added later is
 * not served), `per-request` finds a route file added while it runs.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRouter } from '../../lib/http/server/router.js';

let apiDir: string;

beforeEach(async () => {
  apiDir = await mkdtemp(path.join(tmpdir(), 'threadbase-router-'));
  await mkdir(path.join(apiDir, 'things'));
  await writeFile(path.join(apiDir, 'health.mjs'), 'export default function health() { return "health"; }\n');
  await writeFile(path.join(apiDir, 'things', '[id].mjs'), 'export default function thing() { return "thing"; }\n');
});
afterEach(async () => {
  await rm(apiDir, { recursive: true, force: true });
});

describe('at-start', () => {
  it('serves every route with its params, from handlers imported before the first request', async () => {
    const router = await createRouter(apiDir, 'at-start');
    // Deleting the files now shows nothing is imported per request any more.
    await rm(path.join(apiDir, 'things'), { recursive: true });
    const found = await router.find('/api/things/t-1');
    expect(found?.params).toEqual({ id: 't-1' });
    expect(found?.handler({} as never, {} as never)).toBe('thing');
    expect((await router.find('/api/health'))?.handler({} as never, {} as never)).toBe('health');
    expect(await router.find('/api/nothing')).toBeUndefined();
  });

  it('fails the start when a route has no default export handler', async () => {
    await writeFile(path.join(apiDir, 'broken.mjs'), 'export const notAHandler = 1;\n');
    await expect(createRouter(apiDir, 'at-start')).rejects.toThrow(/no default export handler/);
  });

  it('does not serve a route file added after the start', async () => {
    const router = await createRouter(apiDir, 'at-start');
    await writeFile(path.join(apiDir, 'later.mjs'), 'export default function later() { return "later"; }\n');
    expect(await router.find('/api/later')).toBeUndefined();
  });
});

describe('per-request', () => {
  it('serves a route file added while it runs', async () => {
    const router = await createRouter(apiDir, 'per-request');
    expect(await router.find('/api/later')).toBeUndefined();
    await writeFile(path.join(apiDir, 'later.mjs'), 'export default function later() { return "later"; }\n');
    expect((await router.find('/api/later'))?.handler({} as never, {} as never)).toBe('later');
  });
});
