/**
 * JSON → PostgreSQL → JSON: ids, timestamps, unicode and password hashes survive; checksums agree
 * on both sides; the export is a working JSON store and re-imports to an identical database;
 * re-running an import is a no-op; a dry run writes nothing.
 */
import { describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { generateStore } from '../../bench/import/generate-store.js';
import { importDirectory } from '../../lib/data-transfer/import.js';
import { exportDatabase } from '../../lib/data-transfer/export.js';
import { verifyDirectory } from '../../lib/data-transfer/verify.js';
import { openTransferDb, closeTransferDb } from '../../lib/data-transfer/db.js';
import { createJsonStore } from '../../lib/store/json/index.js';
import { upgradeConversation } from '../../lib/store/json/format.js';
import { hashPassword, verifyPassword } from '../../lib/auth/password.js';
import type { ConversationFile } from '../../lib/data-transfer/format.js';
import type { UserRecord } from '../../lib/store/types.js';
import { createTestDatabase } from '../helpers/pg.js';
import { counts, readJsonFile, useScratch, totalRows, writeJsonFile } from './helpers.js';

describe('data import/export round trip', () => {
  const s = useScratch();

  async function sourceStore(): Promise<{ dir: string; hash: string }> {
    const dir = await s.dir('src');
    const hash = await hashPassword('correct horse 🐎', 10);
    await generateStore({ dir, messages: 600, users: 3, messagesPerConversation: 50, passwordHash: hash });
    // Unicode, emoji, escapes COPY must carry, and a long astral-plane title.
    const [first] = (await readdir(join(dir, 'conversations'))).sort();
    const file = join(dir, 'conversations', first!);
    const conv = await readJsonFile<ConversationFile>(file);
    conv.title = '𝕿𝖍𝖗𝖊𝖆𝖉 👩‍👩‍👧 — ünïcödé \\N \t tab';
    conv.messages[0]!.content = 'emoji 😀🎉, CJK 漢字, RTL שלום, combining é, backslash \\ and \\N, CR\r\nLF';
    conv.messages[0]!.metadata = { ключ: ['値', 1.5, null, { deep: true }], z: 1, a: 'first' };
    await writeJsonFile(file, conv);
    return { dir, hash };
  }

  it('imports, exports identically, serves the export as a JSON store, and re-imports the same', async () => {
    const { dir, hash } = await sourceStore();
    const imported = await importDirectory(s.sql, s.db.url, { dir });
    expect(imported.status).toBe('imported');
    expect(imported.verified).toBe(true);
    expect(await counts(s.sql)).toEqual({
      users: 3,
      usage: 3,
      sessions: 3,
      apiTokens: 3,
      conversations: 12,
      messages: 600,
    });

    const [row] = await s.sql<{ password_hash: string; message_count: number }[]>`
      select u.password_hash, (select message_count from conversations order by id limit 1) as message_count from users u limit 1`;
    expect(row?.password_hash).toBe(hash);
    expect(await verifyPassword('correct horse 🐎', row!.password_hash)).toBe(true);
    expect(row?.message_count).toBe(50);

    const out = await s.dir('export');
    const manifest = await exportDatabase(s.sql, s.db.url, out);
    expect(manifest.checksums).toEqual(imported.checksums);
    expect(manifest.source.database).toBe(s.db.name);
    expect(JSON.stringify(manifest)).not.toContain('postgres@');

    // Same records, file by file (arrays compared as sets by id).
    const byId = <T extends { id?: string; userId?: string }>(xs: T[]): T[] =>
      [...xs].sort((a, b) => String(a.id ?? a.userId).localeCompare(String(b.id ?? b.userId)));
    for (const f of ['users.json', 'sessions.json', 'api-tokens.json', 'usage.json']) {
      expect(byId(await readJsonFile<UserRecord[]>(join(out, f)))).toEqual(
        byId(await readJsonFile<UserRecord[]>(join(dir, f))),
      );
    }
    const names = (await readdir(join(dir, 'conversations'))).sort();
    expect((await readdir(join(out, 'conversations'))).sort()).toEqual(names);
    // The export is version 2: each version-1 file as the JSON store upgrades it.
    for (const n of names) {
      expect(await readJsonFile(join(out, 'conversations', n))).toEqual(
        upgradeConversation(await readJsonFile(join(dir, 'conversations', n))),
      );
    }

    // Re-import of the export into a second database gives the same checksums; verify agrees.
    const second = await createTestDatabase();
    const sql2 = openTransferDb(second.url);
    try {
      const again = await importDirectory(sql2, second.url, { dir: out });
      expect(again.status).toBe('imported');
      expect(again.checksums).toEqual(imported.checksums);
      expect((await verifyDirectory(sql2, second.url, dir)).ok).toBe(true);
      expect(again.skipped).toEqual([]);
    } finally {
      await closeTransferDb(sql2);
      await second.drop();
    }

    // The export is a working JSON store: the user logs in with the old password and sees the conversations.
    const store = createJsonStore({ dataDir: out });
    try {
      const users = await readJsonFile<UserRecord[]>(join(dir, 'users.json'));
      const user = await store.findUserByLogin(users[0]!.email);
      expect(user && (await verifyPassword('correct horse 🐎', user.passwordHash))).toBe(true);
      const page = await store.listConversations(users[0]!.id, { limit: 100 });
      expect(page.items.length).toBeGreaterThan(0);
      expect(page.items[0]!.messageCount).toBe(50);
      const appended = await store.appendMessage(users[0]!.id, {
        id: '0b0e3c1e-9999-4000-8000-000000000001',
        conversationId: page.items[0]!.id,
        role: 'user',
        content: 'after export',
        parts: null,
        metadata: {},
        createdAt: '2027-01-01T00:00:00.000Z',
        updatedAt: '2027-01-01T00:00:00.000Z',
      });
      expect(appended.replayed).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('re-running an import that landed is a no-op that says so', async () => {
    const { dir } = await sourceStore();
    expect((await importDirectory(s.sql, s.db.url, { dir })).status).toBe('imported');
    const again = await importDirectory(s.sql, s.db.url, { dir });
    expect(again.status).toBe('already-imported');
    expect(again.ok).toBe(true);
    expect(again.message).toMatch(/already imported/i);
    expect(again.inserted.messages).toBe(0);
    expect(again.unchanged.messages).toBe(600);
    const dry = await importDirectory(s.sql, s.db.url, { dir, dryRun: true });
    expect(dry.message).toMatch(/already holds exactly these records; a real run would write nothing/);
    const other = await s.dir('other');
    await generateStore({ dir: other, messages: 10, users: 1, seed: 'other' });
    expect((await importDirectory(s.sql, s.db.url, { dir: other, dryRun: true })).message).toMatch(
      /already holds other data/,
    );
    expect((await counts(s.sql)).messages).toBe(600);
  });

  it('a dry run validates and reports what it would write, and writes nothing', async () => {
    const { dir } = await sourceStore();
    const report = await importDirectory(s.sql, s.db.url, { dir, dryRun: true });
    expect(report.status).toBe('dry-run');
    expect(report.ok).toBe(true);
    expect(report.counts.messages).toBe(600);
    expect(report.message).toMatch(/would insert .*600 messages/);
    expect(await totalRows(s.sql)).toBe(0);
  });
});
