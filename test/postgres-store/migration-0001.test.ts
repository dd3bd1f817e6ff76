/**
 * Migration 0001 (message parts, client-chosen message ids, updated_at, seq; conversation
 * archived) on a database that already holds data: apply only 0000 with our migrator, fill it
 * with the statements the previous deployment's code runs (lib/store/postgres as of 0000),
 * migrate, then read everything back through the HTTP API and compare. It also runs the previous
 * deployment's insert and keyset query against the migrated schema: the migration is expand-only,
 * so the old code keeps working while a deploy rolls out (docs/decisions/0013-message-ids-expand-only.md).
 */
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrationsFolder, readJournal } from '../../db/migrate.js';
import { hashToken } from '../../lib/auth/credentials.js';
import { api, startTestServer, type TestServer } from '../e2e/harness.js';
import { createEmptyDatabase, type TestDatabase } from '../helpers/pg.js';

interface OldMessage {
  id: string;
  conversationId: string;
  role: string;
  content: string;
  metadata: Record<string, unknown>;
  createdAt: string;
}

/** A copy of db/migrations holding only 0000: the schema the previous deployment ran on. */
function folderWithOnly0000(): string {
  const dir = mkdtempSync(join(tmpdir(), 'threadbase-mig0000-'));
  cpSync(migrationsFolder, dir, { recursive: true });
  const journalFile = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
  for (const entry of journal.entries.slice(1)) {
    rmSync(join(dir, `${entry.tag}.sql`));
    rmSync(join(dir, 'meta', `${entry.tag.slice(0, 4)}_snapshot.json`), { force: true });
  }
  journal.entries = journal.entries.slice(0, 1);
  writeFileSync(journalFile, JSON.stringify(journal));
  return dir;
}

const iso = (s: string | Date): string => new Date(s).toISOString();

describe('migration 0001 on a database filled under 0000', () => {
  let db: TestDatabase;
  let sql: postgres.Sql;
  let server: TestServer | undefined;
  const token = `tok-${randomUUID()}`;
  const userId = randomUUID();
  const convA = randomUUID();
  const convB = randomUUID();
  let before: { conversations: Record<string, unknown>[]; messages: OldMessage[] };

  beforeAll(async () => {
    db = await createEmptyDatabase();
    const only0000 = folderWithOnly0000();
    try {
      expect((await migrate(db.url, { migrationsFolder: only0000 })).applied).toBe(1);
    } finally {
      rmSync(only0000, { recursive: true, force: true });
    }
    sql = postgres(db.url, { max: 1, onnotice: () => undefined });
    const t0 = '2026-11-20T10:00:00.000Z';
    await sql`insert into users (id, email, username, display_name, password_hash, created_at, updated_at)
      values (${userId}, 'old@example.test', 'old_user', 'Old User', '$scrypt$x', ${t0}, ${t0})`;
    await sql`insert into usage (user_id, tier, daily_used, daily_window_start, monthly_used, monthly_window_start, total_used)
      values (${userId}, 'free', 3, '2026-11-20T00:00:00.000Z', 3, '2026-11-01T00:00:00.000Z', 3)`;
    await sql`insert into sessions (id, user_id, token_hash, created_at, expires_at, last_seen_at)
      values (${randomUUID()}, ${userId}, ${hashToken(token)}, ${t0}, '2099-01-01T00:00:00.000Z', ${t0})`;
    for (const [id, title, at] of [
      [convA, 'Old chat about herons', '2026-11-20T10:01:00.000Z'],
      [convB, 'Second', '2026-11-20T10:02:00.000Z'],
    ] as const) {
      await sql`insert into conversations (id, user_id, title, created_at, updated_at, message_count) values (${id}, ${userId}, ${title}, ${at}, ${at}, 0)`;
    }
    // The old appendMessage: bump the conversation, insert (id, conversation_id, user_id, role, content, metadata, created_at).
    const tie = '2026-11-20T10:05:00.000Z';
    const rows: [string, string, string, Record<string, unknown>, string][] = [
      [convA, 'user', 'where do herons sleep', {}, '2026-11-20T10:03:00.000Z'],
      [
        convA,
        'assistant',
        'herons roost in trees',
        { model: 'm1', nested: { a: [1, null] } },
        '2026-11-20T10:04:00.000Z',
      ],
      [convA, 'user', 'tied one', {}, tie],
      [convA, 'user', 'tied two', {}, tie],
      [convA, 'user', 'tied three', {}, tie],
      [convB, 'system', 'be brief', {}, '2026-11-20T10:06:00.000Z'],
    ];
    for (const [conversationId, role, content, metadata, createdAt] of rows) {
      await sql`update conversations set updated_at = ${createdAt}, message_count = message_count + 1 where id = ${conversationId}`;
      await sql`insert into messages (id, conversation_id, user_id, role, content, metadata, created_at)
        values (${randomUUID()}, ${conversationId}, ${userId}, ${role}, ${content}, ${sql.json(metadata as postgres.JSONValue)}, ${createdAt})`;
    }
    // What the previous deployment's API shows, read with its own queries.
    const messages = await sql<OldMessage[]>`select id, conversation_id as "conversationId", role, content, metadata,
      created_at as "createdAt" from messages order by conversation_id = ${convA} desc, created_at, id`;
    const conversations = await sql<Record<string, unknown>[]>`select id, title, created_at as "createdAt",
      updated_at as "updatedAt", message_count as "messageCount" from conversations order by updated_at desc, id desc`;
    before = {
      messages: messages.map((m) => ({ ...m, createdAt: iso(m.createdAt) })),
      conversations: conversations.map((c) => ({
        ...c,
        createdAt: iso(c.createdAt as string),
        updatedAt: iso(c.updatedAt as string),
      })),
    };
  });

  afterAll(async () => {
    await server?.stop();
    await sql?.end({ timeout: 5 });
    await db?.drop();
  });

  it('applies 0001 to the filled database, and every row reads back the same through the API', async () => {
    const result = await migrate(db.url);
    expect(result).toMatchObject({ applied: readJournal().length - 1, notApplied: [] });
    server = await startTestServer({ env: { DATABASE_URL: db.url } });
    const call = api(server.url);

    const list = await call<{ items: Record<string, unknown>[] }>('GET', '/api/conversations', { token });
    expect(list.body.items).toEqual(before.conversations.map((c) => ({ ...c, archived: false })));

    const expectMessages = (conversationId: string) =>
      before.messages
        .filter((m) => m.conversationId === conversationId)
        .map((m) => ({ ...m, parts: null, updatedAt: m.createdAt }));
    const a = await call<{ messages: unknown[] }>('GET', `/api/conversations/${convA}`, { token });
    expect(a.body.messages).toEqual(expectMessages(convA));
    const b = await call<{ messages: unknown[] }>('GET', `/api/conversations/${convB}`, { token });
    expect(b.body.messages).toEqual(expectMessages(convB));

    // Paging (cursor over created_at, seq) keeps the old order, ties included.
    const paged: unknown[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page = await call<{ items: unknown[]; nextCursor: string | null }>(
        'GET',
        `/api/conversations/${convA}/messages${query}`,
        { token },
      );
      paged.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(expectMessages(convA));

    const hits = await call<{ items: { message: { id: string } }[] }>('GET', '/api/search?q=herons', { token });
    expect(hits.body.items.map((h) => h.message.id).sort()).toEqual(
      before.messages
        .slice(0, 2)
        .map((m) => m.id)
        .sort(),
    );
    const usage = await call<{ total: number }>('GET', '/api/usage', { token });
    expect(usage.body.total).toBe(3);

    // Old stored messages can be edited by their (uuid) id now.
    const first = before.messages[0]!;
    const edited = await call<{ id: string; createdAt: string }>(
      'PUT',
      `/api/conversations/${convA}/messages/${first.id}`,
      {
        token,
        json: { role: 'user', content: 'where do herons nest' },
      },
    );
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ id: first.id, createdAt: first.createdAt });
  });

  it("keeps the previous deployment's writes and keyset reads working on the migrated schema", async () => {
    const id = randomUUID();
    const at = '2026-11-20T11:00:00.000Z';
    await sql`insert into conversations (id, user_id, title, created_at, updated_at, message_count)
      values (${randomUUID()}, ${userId}, 'old code after deploy', ${at}, ${at}, 0)`;
    await sql`insert into messages (id, conversation_id, user_id, role, content, metadata, created_at)
      values (${id}, ${convB}, ${userId}, 'user', 'written by the old code', ${sql.json({})}, ${at})`;
    const old = await sql`select m.id from messages m where m.conversation_id = ${convB}
      and (m.created_at, m.id) > (${'2026-11-20T10:06:00.000Z'}::timestamptz, ${randomUUID()}::uuid) order by m.created_at, m.id limit 10`;
    expect(old.map((r) => r.id as string)).toContain(id);
    const b = await api(server!.url)<{ messages: { id: string; content: string }[] }>(
      'GET',
      `/api/conversations/${convB}`,
      { token },
    );
    expect(b.body.messages.at(-1)).toMatchObject({ id, content: 'written by the old code' });
  });
});
