/**
 * The test-database helpers themselves: concurrent clones of the template are independent,
 * fully migrated and empty; drop removes them even with connections left open.
 */
import { describe, expect, test } from 'vitest';
import postgres from 'postgres';
import { adminUrl, createEmptyDatabase, createTestDatabase } from './pg.js';
import { withAdmin } from './pg-admin.js';

async function tableCount(url: string, table: string): Promise<number | null> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    const [exists] = await sql<{ t: string | null }[]>`select to_regclass(${table})::text as t`;
    if (!exists?.t) return null;
    const [row] = await sql.unsafe<{ n: number }[]>(`select count(*)::int as n from ${table}`);
    return row?.n ?? null;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

const exists = (name: string) =>
  withAdmin(adminUrl(), async (sql) => (await sql`select 1 from pg_database where datname = ${name}`).length === 1);

describe('test databases', () => {
  test('concurrent clones are distinct, migrated and empty', async () => {
    const dbs = await Promise.all(Array.from({ length: 6 }, () => createTestDatabase()));
    try {
      expect(new Set(dbs.map((d) => d.name)).size).toBe(6);
      for (const db of dbs) expect(await tableCount(db.url, 'users')).toBe(0);
    } finally {
      await Promise.all(dbs.map((d) => d.drop()));
    }
  });

  test('drop removes the database even while a connection is open', async () => {
    const db = await createTestDatabase();
    const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
    await sql`select 1`;
    await db.drop();
    expect(await exists(db.name)).toBe(false);
    await sql.end({ timeout: 1 }).catch(() => undefined);
  });

  test('createEmptyDatabase has no tables', async () => {
    const db = await createEmptyDatabase();
    try {
      expect(await tableCount(db.url, 'users')).toBeNull();
    } finally {
      await db.drop();
    }
  });
});
