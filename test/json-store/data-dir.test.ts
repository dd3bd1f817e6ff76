/**
 * The JSON store's data directory: initialisation, format check, read-only refusal, and two
 * store instances (standing in for two processes, each with its own caches) on one directory.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { createJsonStore } from '../../lib/store/json/index.js';
import { tempDataDir } from '../helpers/backends.js';
import { expectAppError } from '../helpers/contract.js';
import { makeConversation, makeUser, newConversation, newMessage, newUser, now } from '../helpers/factories.js';

let dataDir: string;

beforeEach(async () => {
  dataDir = await tempDataDir();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await fs.rm(dataDir, { recursive: true, force: true });
});

const readJson = async (name: string): Promise<unknown> =>
  JSON.parse(await fs.readFile(path.join(dataDir, name), 'utf8'));

test('an empty directory is initialised with meta.json; the files follow the documented format', async () => {
  const store = createJsonStore({ dataDir });
  const user = await makeUser(store);
  const conversation = await makeConversation(store, user.id);
  const message = (await store.appendMessage(user.id, newMessage(conversation.id, { metadata: { k: 'v' } }))).value;
  expect(await readJson('meta.json')).toEqual({ format: 'threadbase', version: 2 });
  expect(await readJson('users.json')).toEqual([user]);
  expect(await readJson('usage.json')).toMatchObject([{ userId: user.id, tier: 'free', totalUsed: 0 }]);
  const { conversationId: _implied, ...inline } = message;
  expect(await readJson(`conversations/${conversation.id}.json`)).toEqual({
    id: conversation.id,
    userId: user.id,
    title: conversation.title,
    archived: false,
    createdAt: conversation.createdAt,
    updatedAt: message.createdAt,
    lastSeq: 1,
    messages: [{ ...inline, seq: 1 }],
  });
});

test('a data directory of another version or format is refused with a clear error', async () => {
  await fs.writeFile(path.join(dataDir, 'meta.json'), JSON.stringify({ format: 'threadbase', version: 3 }));
  const error = await expectAppError(createJsonStore({ dataDir }).getUserById(newUser().id), {
    status: 503,
    code: 'unavailable',
  });
  expect(error.message).toMatch(/version 3.*versions 1 and 2/);
  await fs.writeFile(path.join(dataDir, 'meta.json'), JSON.stringify({ format: 'lowdb', version: 1 }));
  await expectAppError(createJsonStore({ dataDir }).health(), { status: 503, code: 'unavailable' });
});

test('a non-empty directory without meta.json is not adopted', async () => {
  await fs.writeFile(path.join(dataDir, 'holiday-photos.txt'), 'x');
  const error = await expectAppError(makeUser(createJsonStore({ dataDir })), { status: 503, code: 'unavailable' });
  expect(error.message).toContain('holiday-photos.txt');
  await expect(fs.stat(path.join(dataDir, 'meta.json'))).rejects.toMatchObject({ code: 'ENOENT' });
});

test('readOnly: reads work, every write is refused with a message pointing at DATABASE_URL', async () => {
  const writer = createJsonStore({ dataDir });
  const user = await makeUser(writer);
  const store = createJsonStore({ dataDir, readOnly: true });
  expect(await store.getUserById(user.id)).toEqual(user);
  const error = await expectAppError(store.createConversation(newConversation(user.id)), {
    status: 503,
    code: 'unavailable',
  });
  expect(error.message).toContain('DATABASE_URL');
  await expectAppError(store.consumeUsage(user.id, { free: { daily: 1, monthly: 1 } }, now()), {
    status: 503,
    code: 'unavailable',
  });
  expect(await store.health()).toMatchObject({ storage: 'json', readOnly: true });
  expect(await writer.health()).not.toHaveProperty('readOnly');
});

test('readOnly over a missing directory (a Vercel preview without DATABASE_URL) is a healthy, empty store', async () => {
  const missing = path.join(dataDir, 'not-there');
  const store = createJsonStore({ dataDir: missing, readOnly: true });
  expect(await store.health()).toMatchObject({ storage: 'json', readOnly: true });
  expect(await store.findCredential('0'.repeat(64), now())).toBeNull();
  expect(await store.searchMessages({ userId: newUser().id, q: 'anything' }, { limit: 10 })).toEqual({
    items: [],
    hasMore: false,
  });
  expect(await store.findUserByLogin('nobody')).toBeNull();
  expect(await store.listConversations(newUser().id, { limit: 10 })).toEqual({ items: [], hasMore: false });
  const error = await expectAppError(makeUser(store), { status: 503, code: 'unavailable' });
  expect(error.message).toContain('DATABASE_URL');
  await expect(fs.stat(missing)).rejects.toMatchObject({ code: 'ENOENT' });
});

test('two instances on one directory see each other’s writes and share idempotency keys', async () => {
  const a = createJsonStore({ dataDir });
  const b = createJsonStore({ dataDir });
  const user = await makeUser(a);
  expect(await b.findUserByEmail(user.email.toUpperCase())).toEqual(user);
  const first = await a.listConversations(user.id, { limit: 10 });
  expect(first.items).toEqual([]);
  const input = newConversation(user.id);
  const idempotency = { key: 'k-1', requestHash: 'h-1', now: now() };
  const created = await b.createConversation(input, idempotency);
  expect((await a.listConversations(user.id, { limit: 10 })).items).toEqual([created.value]);
  const replay = await a.createConversation(newConversation(user.id), { ...idempotency, now: now() });
  expect(replay).toEqual({ value: created.value, replayed: true });
  await expectAppError(
    a.createConversation(newConversation(user.id), { key: 'k-1', requestHash: 'other', now: now() }),
    {
      status: 409,
      code: 'conflict',
      path: 'Idempotency-Key',
    },
  );
  await b.updateConversation(user.id, created.value.id, { title: 'renamed' }, now());
  expect((await a.getConversation(user.id, created.value.id))?.title).toBe('renamed');
});

test('a corrupt data file gives a 500 naming the file relative to DATA_DIR (not its path or content), with the cause', async () => {
  const store = createJsonStore({ dataDir });
  await makeUser(store);
  await fs.writeFile(path.join(dataDir, 'users.json'), '[{"broken secret"');
  const error = await expectAppError(store.findUserByLogin('x'), { status: 500, code: 'internal' });
  expect(error.message).toContain('users.json');
  expect(error.message).toContain('docs/runbook.md');
  expect(error.message).not.toContain(dataDir);
  expect(error.message).not.toContain('secret');
  expect(String((error.cause as Error).message)).toContain('users.json');
});

test('the catalog fast path (directory unchanged for a while) still notices a later write', async () => {
  const a = createJsonStore({ dataDir });
  const b = createJsonStore({ dataDir });
  const user = await makeUser(a);
  const first = await makeConversation(a, user.id);
  await new Promise((resolve) => setTimeout(resolve, 1_200)); // let the directory's mtime settle
  expect((await a.listConversations(user.id, { limit: 10 })).items).toEqual([first]);
  const second = await makeConversation(b, user.id);
  expect((await a.listConversations(user.id, { limit: 10 })).items.map((c) => c.id).sort()).toEqual(
    [first.id, second.id].sort(),
  );
});

test('records handed out are copies: editing one does not change the cached store', async () => {
  const store = createJsonStore({ dataDir });
  const user = await makeUser(store);
  const read = await store.getUserById(user.id);
  (read as { email: string }).email = 'changed@example.test';
  expect(await store.getUserById(user.id)).toEqual(user);
});

test('a filesystem that refuses writes (EROFS) makes writes a configuration error; reads still work', async () => {
  const missing = path.join(dataDir, 'on-a-read-only-mount');
  const erofs = Object.assign(new Error('read-only file system'), { code: 'EROFS' });
  vi.spyOn(fs, 'mkdir').mockRejectedValue(erofs);
  const store = createJsonStore({ dataDir: missing });
  expect(await store.findUserByEmail('x@example.test')).toBeNull();
  const error = await expectAppError(makeUser(store), { status: 503, code: 'unavailable' });
  expect(error.message).toContain('DATABASE_URL');
  expect(error.cause).toBe(erofs);
});

test('health reports json with a latency, and a problem (not a new directory) once the directory is gone', async () => {
  const store = createJsonStore({ dataDir });
  await makeUser(store);
  const report = await store.health();
  expect(report.storage).toBe('json');
  expect(report.latencyMs).toBeGreaterThanOrEqual(0);
  expect(report.problem).toBeUndefined();
  await fs.rm(dataDir, { recursive: true, force: true });
  expect((await store.health()).problem).toMatch(/does not exist/);
  await expect(fs.stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
});
