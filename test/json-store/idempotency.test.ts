/**
 * JSON-specific idempotency storage: records live in the conversation file they belong to and
 * survive the conversation's deletion (moved to idempotency.json), as PostgreSQL's do.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { createJsonStore } from '../../lib/store/json/index.js';
import type { Store } from '../../lib/store/types.js';
import { tempDataDir } from '../helpers/backends.js';
import { expectAppError } from '../helpers/contract.js';
import { makeConversation, makeUser, newConversation, newMessage, now } from '../helpers/factories.js';

let dataDir: string;
let store: Store;

beforeEach(async () => {
  dataDir = await tempDataDir();
  store = createJsonStore({ dataDir });
});
afterEach(async () => {
  await store.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

const readJson = async (...parts: string[]): Promise<Record<string, unknown>> =>
  JSON.parse(await fs.readFile(path.join(dataDir, ...parts), 'utf8')) as Record<string, unknown>;

test('the record is stored in the same conversation file as the write', async () => {
  const user = await makeUser(store);
  const conversation = await makeConversation(store, user.id);
  const at = now();
  const written = await store.appendMessage(user.id, newMessage(conversation.id), { idempotency: { key: 'k', requestHash: 'h', now: at } });
  expect((await readJson('conversations', `${conversation.id}.json`)).idempotency).toEqual([
    { key: 'k', requestHash: 'h', userId: user.id, response: written.value, createdAt: at },
  ]);
});

test('deleting a conversation keeps its live records: a repeat still replays, a different body conflicts', async () => {
  const user = await makeUser(store);
  const created = await store.createConversation(newConversation(user.id), { key: 'create-1', requestHash: 'h1', now: now() });
  const appended = await store.appendMessage(user.id, newMessage(created.value.id), {
    idempotency: { key: 'append-1', requestHash: 'h2', now: now() },
  });
  expect(await store.deleteConversation(user.id, created.value.id)).toBe(true);

  expect(await store.createConversation(newConversation(user.id), { key: 'create-1', requestHash: 'h1', now: now() })).toEqual({
    value: created.value,
    replayed: true,
  });
  expect(
    await store.appendMessage(user.id, newMessage(created.value.id), { idempotency: { key: 'append-1', requestHash: 'h2', now: now() } }),
  ).toEqual({ value: appended.value, replayed: true });
  await expectAppError(
    store.createConversation(newConversation(user.id), { key: 'append-1', requestHash: 'other', now: now() }),
    { status: 409, code: 'conflict', path: 'Idempotency-Key' },
  );
  expect((await store.listConversations(user.id, { limit: 10 })).items).toEqual([]);
});
