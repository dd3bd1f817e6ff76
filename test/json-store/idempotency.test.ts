/**
 * JSON-specific idempotency storage: records live in the conversation file they belong to and go
 * with it when the conversation is deleted; idempotency.json (records that earlier versions moved
 * there on delete) loses the deleted conversation's records too.
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
  const written = await store.appendMessage(user.id, newMessage(conversation.id), {
    idempotency: { key: 'k', requestHash: 'h', now: at },
  });
  expect((await readJson('conversations', `${conversation.id}.json`)).idempotency).toEqual([
    { key: 'k', requestHash: 'h', userId: user.id, response: written.value, createdAt: at },
  ]);
});

test('deleting a conversation drops its records, also those earlier versions kept in idempotency.json', async () => {
  const user = await makeUser(store);
  const gone = await makeConversation(store, user.id);
  const kept = await makeConversation(store, user.id);
  const record = (key: string, response: Record<string, unknown>) => ({
    key,
    requestHash: 'h',
    userId: user.id,
    response,
    createdAt: now(),
  });
  const legacy = [
    record('old-create', { ...gone, messageCount: 0 }),
    record('old-append', { id: newMessage(gone.id).id, conversationId: gone.id }),
    record('other-append', { id: newMessage(kept.id).id, conversationId: kept.id }),
  ];
  await fs.writeFile(path.join(dataDir, 'idempotency.json'), JSON.stringify(legacy));
  const appended = await store.appendMessage(user.id, newMessage(gone.id), {
    idempotency: { key: 'append-1', requestHash: 'h2', now: now() },
  });
  expect(appended.replayed).toBe(false);

  expect(await store.deleteConversation(user.id, gone.id)).toBe(true);
  expect(await readJson('idempotency.json')).toEqual([legacy[2]]);
  await expectAppError(
    store.appendMessage(user.id, newMessage(gone.id), {
      idempotency: { key: 'append-1', requestHash: 'h2', now: now() },
    }),
    { status: 404, code: 'not_found' },
  );
  const again = newConversation(user.id);
  expect(await store.createConversation(again, { key: 'old-create', requestHash: 'h', now: now() })).toEqual({
    value: { ...again, updatedAt: again.createdAt, messageCount: 0, archived: false },
    replayed: false,
  });
});
