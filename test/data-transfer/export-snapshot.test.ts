/**
 * data:export reads one snapshot: while it runs, another connection keeps adding users with
 * conversations and messages (each in one transaction), yet the export is self-consistent (every
 * conversation's user is in users.json, manifest matches files) and imports cleanly.
 */
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { generateStore } from '../../bench/import/generate-store.js';
import { importDirectory } from '../../lib/data-transfer/import.js';
import { exportDatabase } from '../../lib/data-transfer/export.js';
import { closeTransferDb, openTransferDb, type Sql } from '../../lib/data-transfer/db.js';
import { createTestDatabase } from '../helpers/pg.js';
import { counts, useScratch } from './helpers.js';

async function addUserWithConversation(sql: Sql, n: number): Promise<void> {
  const userId = randomUUID();
  const convId = randomUUID();
  const at = new Date(Date.UTC(2027, 0, 1) + n * 1000).toISOString();
  await sql.begin(async (tx) => {
    await tx`insert into users (id, email, username, display_name, password_hash, created_at, updated_at)
             values (${userId}, ${`late${n}@example.com`}, ${`late${n}`}, 'Late', '$scrypt$x', ${at}::timestamptz, ${at}::timestamptz)`;
    await tx`insert into usage (user_id, daily_window_start, monthly_window_start) values (${userId}, ${at}::timestamptz, ${at}::timestamptz)`;
    await tx`insert into conversations (id, user_id, title, created_at, updated_at, message_count) values (${convId}, ${userId}, 'late', ${at}::timestamptz, ${at}::timestamptz, 2)`;
    await tx`insert into messages (id, conversation_id, user_id, role, content, created_at)
             values (${randomUUID()}, ${convId}, ${userId}, 'user', 'one', ${at}::timestamptz), (${randomUUID()}, ${convId}, ${userId}, 'assistant', 'two', ${at}::timestamptz)`;
  });
}

describe('data:export snapshot', () => {
  const s = useScratch();

  it('exports a consistent snapshot while writes continue', async () => {
    const dir = await s.dir('snap-src');
    await generateStore({ dir, messages: 20_000, users: 10, messagesPerConversation: 100 });
    expect((await importDirectory(s.sql, s.db.url, { dir })).status).toBe('imported');

    const writer = openTransferDb(s.db.url);
    const out = join(await s.dir('snap-out'), 'export');
    let done = false;
    let written = 0;
    const writing = (async () => {
      while (!done) await addUserWithConversation(writer, written++);
    })();
    try {
      const manifest = await exportDatabase(s.sql, s.db.url, out);
      done = true;
      await writing;
      expect(written).toBeGreaterThan(0);
      expect(manifest.counts.users).toBeGreaterThanOrEqual(10);
      expect(manifest.counts.users).toBeLessThan(10 + written);
      expect(manifest.counts.messages).toBe(20_000 + 2 * (manifest.counts.users - 10));
    } finally {
      done = true;
      await writing.catch(() => undefined);
      await closeTransferDb(writer);
    }

    const fresh = await createTestDatabase();
    const sql2 = openTransferDb(fresh.url);
    try {
      const again = await importDirectory(sql2, fresh.url, { dir: out });
      expect(again.issues).toEqual([]);
      expect(again.status).toBe('imported');
      expect((await counts(sql2)).conversations).toBe(again.counts.conversations);
    } finally {
      await closeTransferDb(sql2);
      await fresh.drop();
    }
  }, 60_000);
});
