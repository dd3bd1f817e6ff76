/**
 * The JSON store's health check reads, it never creates: a missing data directory is reported
 * (status degraded, naming the problem), not made; a read-only-by-configuration store over a
 * missing directory (a Vercel preview without a database) is healthy, not degraded.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { createJsonStore } from '../../lib/store/json/index.js';
import { tempDataDir } from '../helpers/backends.js';
import { makeUser } from '../helpers/factories.js';

let parent: string;

beforeEach(async () => {
  parent = await tempDataDir();
});
afterEach(async () => {
  await fs.rm(parent, { recursive: true, force: true });
});

test('a missing data directory is reported as a problem and not created', async () => {
  const dataDir = path.join(parent, 'not-mounted');
  const report = await createJsonStore({ dataDir }).health();
  expect(report).toMatchObject({ storage: 'json', problem: expect.stringMatching(/does not exist/) });
  await expect(fs.stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
});

test('read-only by configuration over a missing directory is healthy and creates nothing', async () => {
  const dataDir = path.join(parent, 'not-there');
  const report = await createJsonStore({ dataDir, readOnly: true }).health();
  expect(report.storage).toBe('json');
  expect(report.problem).toBeUndefined();
  await expect(fs.stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
});

test('a writable store in use is healthy, and the check leaves no file behind', async () => {
  const store = createJsonStore({ dataDir: parent });
  await makeUser(store);
  const before = (await fs.readdir(parent)).sort();
  const report = await store.health();
  expect(report.storage).toBe('json');
  expect(report.problem).toBeUndefined();
  expect((await fs.readdir(parent)).sort()).toEqual(before);
});
