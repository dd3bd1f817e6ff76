/**
 * The foreign keys an import into an empty database drops for its COPY come back exactly as they
 * were (same names, same definitions), a row without its parent still fails the load when they
 * are re-added, and a refused or failed import leaves them in place.
 */
import { describe, expect, it } from 'vitest';
import { generateStore } from '../../bench/import/generate-store.js';
import { withForeignKeysDeferred } from '../../lib/data-transfer/foreign-keys.js';
import { importDirectory } from '../../lib/data-transfer/import.js';
import type { Sql } from '../../lib/data-transfer/db.js';
import { totalRows, useScratch } from './helpers.js';

const constraints = (sql: Sql): Promise<{ table: string; name: string; def: string; validated: boolean }[]> =>
  sql`select conrelid::regclass::text as table, conname as name, pg_get_constraintdef(oid) as def, convalidated as validated
      from pg_constraint where connamespace = 'public'::regnamespace order by 1, 2`;

describe('foreign keys around the load', () => {
  const s = useScratch();

  it('an import into an empty database ends with the same constraints it started with', async () => {
    const before = await constraints(s.sql);
    expect(before.filter((c) => c.def.startsWith('FOREIGN KEY')).length).toBeGreaterThanOrEqual(6);
    const dir = await s.dir('fk');
    await generateStore({ dir, messages: 300, users: 3, messagesPerConversation: 30 });
    const report = await importDirectory(s.sql, s.db.url, { dir });
    expect(report.status).toBe('imported');
    expect(await constraints(s.sql)).toEqual(before);
  });

  it('re-adding them checks every row: an orphan fails with 23503 and nothing stays changed', async () => {
    const before = await constraints(s.sql);
    const orphan = s.sql.begin((tx) =>
      withForeignKeysDeferred(tx, ['messages'], async () => {
        await tx`insert into messages (id, conversation_id, user_id, role, content, created_at)
                 values (gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'user', 'no parent', now())`;
      }),
    );
    await expect(orphan).rejects.toMatchObject({ code: '23503' });
    expect(await totalRows(s.sql)).toBe(0);
    expect(await constraints(s.sql)).toEqual(before);
  });

  it('a load that fails midway rolls the dropped keys back with it', async () => {
    // Every conversation has several user messages, so this index makes PostgreSQL refuse the messages COPY (23505).
    await s.sql`create unique index test_one_per_role on messages (conversation_id, role)`;
    const before = await constraints(s.sql);
    const dir = await s.dir('dup');
    await generateStore({ dir, messages: 100, users: 2, messagesPerConversation: 50 });
    const failed = await importDirectory(s.sql, s.db.url, { dir }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ status: 409 });
    expect(await totalRows(s.sql)).toBe(0);
    expect(await constraints(s.sql)).toEqual(before);
  });
});
