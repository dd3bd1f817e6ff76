/**
 * The data tools and what format version 2 holds: message parts (exactly as stored), archived
 * conversations, edited messages (updatedAt), client-chosen ids (also one UUID id in two
 * conversations) and the list order of messages created at the same instant. JSON → PostgreSQL →
 * JSON and PostgreSQL → JSON → PostgreSQL keep every store answer and verify SAME; a changed
 * parts value, archived flag or order in the database is named by data:verify; a version-1
 * directory still imports.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportDatabase } from '../../lib/data-transfer/export.js';
import { importDirectory } from '../../lib/data-transfer/import.js';
import { verifyDirectory } from '../../lib/data-transfer/verify.js';
import { closeTransferDb, openTransferDb } from '../../lib/data-transfer/db.js';
import { createJsonStore } from '../../lib/store/json/index.js';
import { createPostgresStore } from '../../lib/store/postgres/index.js';
import { newId } from '../../lib/conversations/ids.js';
import type { JsonObject, Store } from '../../lib/store/types.js';
import {
  addMs,
  makeConversation,
  makeMessage,
  makeUser,
  messageBody,
  now,
  unlistedItems,
} from '../helpers/factories.js';
import { createTestDatabase } from '../helpers/pg.js';
import { readJsonFile, useScratch, writeJsonFile } from './helpers.js';

const quiet = { start: () => undefined, tick: () => undefined, done: () => undefined };

const PARTS: JsonObject[] = [
  { type: 'text', text: 'Find otters near the river' },
  { type: 'reasoning', text: 'The user wants otters.', providerMetadata: { x: { y: 1 } } },
  { type: 'tool-weather', toolCallId: 'call-1', state: 'output-available', input: { city: 'Oslo' }, output: { t: -3 } },
  { type: 'data-weather', id: 'w1', data: { zb: 1, aa: [1, 2, { k: null }], __proto__: 'kept' } },
];

interface Fixture {
  userId: string;
  archivedId: string;
  openId: string;
}

/** A user with an archived conversation (parts, an edit, client ids, a same-instant batch) and an open one. */
async function populate(store: Store): Promise<Fixture> {
  const user = await makeUser(store);
  const a = await makeConversation(store, user.id, { title: 'archived one' });
  const b = await makeConversation(store, user.id, { title: 'open one' });
  const shared = newId();
  await makeMessage(store, user.id, a.id, { id: 'msg-1', content: '', parts: PARTS });
  await makeMessage(store, user.id, a.id, { id: shared, role: 'assistant', content: 'a uuid id' });
  const edited = now();
  await store.putMessage(user.id, {
    id: 'msg-1',
    conversationId: a.id,
    role: 'user',
    content: 'edited',
    parts: [{ type: 'text', text: 'edited' }],
    metadata: { edited: true },
    createdAt: edited,
    updatedAt: edited,
  });
  // Three new messages share one createdAt: only their seq keeps 'zz', 'Ab', 'a_0' in this order.
  await store.replaceMessages(
    user.id,
    a.id,
    [
      messageBody('msg-1', {
        content: 'edited',
        parts: [{ type: 'text', text: 'edited' }],
        metadata: { edited: true },
      }),
      messageBody(shared, { role: 'assistant', content: 'a uuid id' }),
      messageBody('zz'),
      messageBody('Ab', { parts: PARTS }),
      messageBody('a_0'),
    ],
    { now: addMs(edited, 1000) },
  );
  await store.updateConversation(user.id, a.id, { archived: true }, addMs(edited, 2000));
  await makeMessage(store, user.id, b.id, { id: shared, content: 'the same uuid in another conversation' });
  await makeMessage(store, user.id, b.id, { id: 'msg-1', content: 'the same client id in another conversation' });
  return { userId: user.id, archivedId: a.id, openId: b.id };
}

async function answers(store: Store, f: Fixture): Promise<unknown> {
  const page = { limit: 100 };
  return {
    open: await store.listConversations(f.userId, page),
    archived: await store.listConversations(f.userId, page, { archived: true }),
    conversation: await store.getConversation(f.userId, f.archivedId),
    archivedMessages: unlistedItems(await store.listMessages(f.userId, f.archivedId, page)),
    openMessages: unlistedItems(await store.listMessages(f.userId, f.openId, page)),
  };
}

async function pgAnswers(url: string, f: Fixture): Promise<unknown> {
  const store = createPostgresStore({ url, poolMax: 2 });
  try {
    return await answers(store, f);
  } finally {
    await store.close();
  }
}

async function jsonAnswers(dir: string, f: Fixture): Promise<unknown> {
  const store = createJsonStore({ dataDir: dir });
  try {
    return await answers(store, f);
  } finally {
    await store.close();
  }
}

describe('data tools and version-2 data', () => {
  const s = useScratch();

  async function jsonSource(): Promise<{ dir: string; fixture: Fixture; expected: unknown }> {
    const dir = await s.dir('json');
    const json = createJsonStore({ dataDir: dir });
    const fixture = await populate(json);
    const expected = await answers(json, fixture);
    await json.close();
    return { dir, fixture, expected };
  }

  it('JSON → PostgreSQL → JSON keeps parts, archived, edits, client ids and order; verify says SAME', async () => {
    const { dir, fixture, expected } = await jsonSource();
    expect(expected).toMatchObject({
      archived: { items: [{ id: fixture.archivedId, archived: true }] },
      archivedMessages: [
        { id: 'msg-1', content: 'edited' },
        { content: 'a uuid id' },
        { id: 'zz' },
        { id: 'Ab', parts: PARTS },
        { id: 'a_0' },
      ],
    });

    const imported = await importDirectory(s.sql, s.db.url, { dir, progress: quiet });
    expect(imported).toMatchObject({ status: 'imported', verified: true, issues: [] });
    expect(imported.counts).toMatchObject({ conversations: 2, messages: 7 });
    expect((await verifyDirectory(s.sql, s.db.url, dir, quiet)).ok).toBe(true);
    expect(await pgAnswers(s.db.url, fixture)).toEqual(expected);
    // parts are stored as the JSON text the file held, key order included.
    const [row] = await s.sql<{ parts: string }[]>`select parts::text as parts from messages where message_id = 'Ab'`;
    expect(row!.parts).toBe(JSON.stringify(PARTS));

    const out = await s.dir('export');
    const manifest = await exportDatabase(s.sql, s.db.url, out, quiet);
    expect(manifest.version).toBe(2);
    expect(await readJsonFile(path.join(out, 'meta.json'))).toEqual({ format: 'threadbase', version: 2 });
    expect(manifest.checksums).toEqual(imported.checksums);
    expect((await verifyDirectory(s.sql, s.db.url, out, quiet)).ok).toBe(true);
    expect(await jsonAnswers(out, fixture)).toEqual(expected);

    // Importing the same directory again finds every row (derived row ids are stable).
    expect((await importDirectory(s.sql, s.db.url, { dir, progress: quiet })).status).toBe('already-imported');
  });

  it('verify names a changed parts value, archived flag or message order in the database', async () => {
    const { dir, fixture } = await jsonSource();
    expect((await importDirectory(s.sql, s.db.url, { dir, progress: quiet })).status).toBe('imported');

    await s.sql`update messages set parts = '[{"type":"text","text":"changed"}]'::json
      where message_id = 'Ab' and conversation_id = ${fixture.archivedId}`;
    let report = await verifyDirectory(s.sql, s.db.url, dir, quiet);
    expect(report.ok).toBe(false);
    expect(report.tables.messages.same).toBe(false);
    expect(report.differences).toEqual([{ table: 'messages', id: 'Ab', kind: 'different' }]);

    // Same parts value with its keys in another order is the same value: not a difference.
    const reordered = PARTS.map((p) => Object.fromEntries(Object.entries(p).reverse()));
    await s.sql`update messages set parts = ${JSON.stringify(reordered)}::text::json where message_id = 'Ab'`;
    expect((await verifyDirectory(s.sql, s.db.url, dir, quiet)).ok).toBe(true);

    await s.sql`update conversations set archived = false where id = ${fixture.archivedId}`;
    report = await verifyDirectory(s.sql, s.db.url, dir, quiet);
    expect(report.differences).toEqual([{ table: 'conversations', id: fixture.archivedId, kind: 'different' }]);
    await s.sql`update conversations set archived = true where id = ${fixture.archivedId}`;

    // Swap the seq of 'zz' and 'a_0' (same createdAt): the list order changes, and verify says so.
    await s.sql`update messages m set seq = o.seq from messages o
      where m.conversation_id = ${fixture.archivedId} and o.conversation_id = m.conversation_id
        and ((m.message_id = 'zz' and o.message_id = 'a_0') or (m.message_id = 'a_0' and o.message_id = 'zz'))`;
    report = await verifyDirectory(s.sql, s.db.url, dir, quiet);
    expect(report.ok).toBe(false);
    expect(report.differences.map((d) => d.id).sort()).toEqual(['a_0', 'zz']); // 'Ab' keeps its place between them
  });

  it('PostgreSQL → JSON → PostgreSQL keeps what the PostgreSQL store wrote', async () => {
    const store = createPostgresStore({ url: s.db.url, poolMax: 2 });
    let fixture: Fixture;
    let expected: unknown;
    try {
      fixture = await populate(store);
      expected = await answers(store, fixture);
    } finally {
      await store.close();
    }
    const out = await s.dir('export');
    const manifest = await exportDatabase(s.sql, s.db.url, out, quiet);
    expect((await verifyDirectory(s.sql, s.db.url, out, quiet)).ok).toBe(true);
    expect(await jsonAnswers(out, fixture)).toEqual(expected);

    // Merging the export back into the database the application wrote: messages are matched by
    // (conversation, API id), not by the random row uuid the store gave a client-chosen id.
    const other = createPostgresStore({ url: s.db.url, poolMax: 1 });
    try {
      await makeConversation(other, fixture.userId, { title: 'written after the export' });
    } finally {
      await other.close();
    }
    expect(await importDirectory(s.sql, s.db.url, { dir: out, progress: quiet })).toMatchObject({
      status: 'already-imported',
      mode: 'merge',
      verified: true,
    });
    // A conversation missing from the database is inserted by the merge, its messages in list order.
    await s.sql`delete from conversations where id = ${fixture.archivedId}`;
    const merged = await importDirectory(s.sql, s.db.url, { dir: out, progress: quiet });
    expect(merged).toMatchObject({ status: 'imported', mode: 'merge', verified: true });
    expect(merged.inserted).toMatchObject({ conversations: 1, messages: 5 });
    expect((await verifyDirectory(s.sql, s.db.url, out, quiet)).tables.messages.same).toBe(true);
    expect(await pgAnswers(s.db.url, fixture)).toMatchObject({
      archivedMessages: (expected as { archivedMessages: unknown }).archivedMessages,
    });
    // One message missing from a conversation the database holds can only be added after the
    // messages of its createdAt; that would change the order, so verification refuses the merge.
    await s.sql`delete from messages where conversation_id = ${fixture.archivedId} and message_id = 'Ab'`;
    await expect(importDirectory(s.sql, s.db.url, { dir: out, progress: quiet })).rejects.toThrow(
      /Verification before COMMIT failed/,
    );
    expect((await s.sql`select 1 from messages where message_id = 'Ab'`).length).toBe(0);

    const second = await createTestDatabase();
    const sql2 = openTransferDb(second.url);
    try {
      const again = await importDirectory(sql2, second.url, { dir: out, progress: quiet });
      expect(again).toMatchObject({ status: 'imported', verified: true });
      expect(again.checksums).toEqual(manifest.checksums);
      expect((await verifyDirectory(sql2, second.url, out, quiet)).ok).toBe(true);
      expect(await pgAnswers(second.url, fixture)).toEqual(expected);
      // New messages after an import are listed after the imported ones (the seq identity continues).
      const later = createPostgresStore({ url: second.url, poolMax: 2 });
      try {
        const [last] = (await later.listMessages(fixture.userId, fixture.openId, { limit: 100 }))!.items.slice(-1);
        await later.replaceMessages(
          fixture.userId,
          fixture.openId,
          [
            ...(await later.listMessages(fixture.userId, fixture.openId, { limit: 100 }))!.items.map((m) =>
              messageBody(m.id, m),
            ),
            messageBody('after'),
          ],
          { now: last!.createdAt },
        );
        const ids = (await later.listMessages(fixture.userId, fixture.openId, { limit: 100 }))!.items.map((m) => m.id);
        expect(ids.slice(-1)).toEqual(['after']);
      } finally {
        await later.close();
      }
    } finally {
      await closeTransferDb(sql2);
      await second.drop();
    }
  });

  it('a version-1 directory still imports, and exports as version 2', async () => {
    const dir = await s.dir('v1');
    const user = {
      id: newId(),
      email: 'v1@example.com',
      username: 'v1user',
      displayName: 'V1',
      passwordHash: 'x',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      lastLoginAt: null,
    };
    const conversation = {
      id: newId(),
      userId: user.id,
      title: 'old',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:01.000Z',
      messages: [
        { id: newId(), role: 'user', content: 'one', metadata: {}, createdAt: '2026-01-01T00:00:01.000Z' },
        { id: newId(), role: 'assistant', content: 'two', createdAt: '2026-01-01T00:00:01.000Z' },
      ],
    };
    await writeJsonFile(path.join(dir, 'meta.json'), { format: 'threadbase', version: 1 });
    await writeJsonFile(path.join(dir, 'users.json'), [user]);
    await fs.mkdir(path.join(dir, 'conversations'));
    await writeJsonFile(path.join(dir, 'conversations', `${conversation.id}.json`), conversation);

    expect((await importDirectory(s.sql, s.db.url, { dir, progress: quiet })).status).toBe('imported');
    expect((await verifyDirectory(s.sql, s.db.url, dir, quiet)).ok).toBe(true);
    const out = await s.dir('export');
    await exportDatabase(s.sql, s.db.url, out, quiet);
    expect(await readJsonFile(path.join(out, 'conversations', `${conversation.id}.json`))).toEqual({
      ...conversation,
      archived: false,
      lastSeq: 2,
      messages: conversation.messages.map((m, i) => ({
        metadata: {},
        ...m,
        parts: null,
        updatedAt: m.createdAt,
        seq: i + 1,
      })),
    });
  });
});
