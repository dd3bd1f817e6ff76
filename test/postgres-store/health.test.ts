/**
 * health() of the PostgreSQL store: latency, pool figures and migrations applied/pending as read
 * from drizzle.__drizzle_migrations against the committed journal.
 */
import { describe, expect, it } from 'vitest';
import { readJournal } from '../../db/migrate.js';
import { createPostgresStore } from '../../lib/store/postgres/index.js';
import { createEmptyDatabase, createTestDatabase } from '../helpers/pg.js';

describe('PostgreSQL health()', () => {
  it('a migrated database: every journal entry applied, none pending, pool figures present', async () => {
    const db = await createTestDatabase();
    const store = createPostgresStore({ url: db.url, poolMax: 4 });
    try {
      const report = await store.health();
      expect(report.storage).toBe('postgres');
      expect(report.latencyMs).toBeGreaterThanOrEqual(0);
      expect(report.migrations).toEqual({ applied: readJournal().length, pending: 0 });
      expect(report.pool).toMatchObject({ max: 4, waiting: 0 });
      expect(report.pool?.open).toBeGreaterThanOrEqual(1);
      expect(report.pool?.idle).toBeLessThanOrEqual(report.pool?.open ?? 0);
    } finally {
      await store.close();
      await db.drop();
    }
  });

  it('a database never migrated: nothing applied, the whole journal pending', async () => {
    const db = await createEmptyDatabase();
    const store = createPostgresStore({ url: db.url });
    try {
      expect((await store.health()).migrations).toEqual({ applied: 0, pending: readJournal().length });
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
