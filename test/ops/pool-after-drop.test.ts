/**
 * A connection that dies inside a transaction must not cost the pool a slot. The outage test hits
 * this by chance; here it is made to happen: the backend of an open transaction is terminated,
 * then the transaction's next statement (and postgres.js's own ROLLBACK) meets a connection
 * without a socket. With `max: 1`, a leaked slot means every later query waits forever — a server
 * that never recovers without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDbClient, type DbClient } from '../../db/client.js';
import { withAdmin } from '../helpers/pg-admin.js';
import { adminUrl, createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Settles with the query's result, or with 'timeout' when it hangs. */
function within<T>(ms: number, work: Promise<T>): Promise<T | 'timeout'> {
  return Promise.race([work, sleep(ms).then(() => 'timeout' as const)]);
}

describe('the pool after a connection dies mid-transaction', () => {
  let db: TestDatabase;
  let client: DbClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    client = createDbClient({ url: db.url, poolMax: 1, connectTimeoutSeconds: 2 });
  });
  afterAll(async () => {
    try {
      await client?.close(1);
    } finally {
      await db?.drop();
    }
  });

  it('still serves queries (max 1) after the transaction fails with a connection error', async () => {
    for (let round = 0; round < 3; round++) {
      let scopeDone: Promise<unknown> = Promise.resolve();
      const failed = await client.sql
        .begin((tx) => {
          // begin() rejects as soon as the connection closes; the callback runs on regardless,
          // and its next statement (then postgres.js's ROLLBACK) meets the socketless connection.
          scopeDone = (async () => {
            const [row] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
            await withAdmin(adminUrl(), (sql) => sql`select pg_terminate_backend(${row?.pid ?? 0})`);
            await sleep(100);
            await tx`select 1`;
          })();
          return scopeDone;
        })
        .then(
          () => 'committed',
          (error: unknown) => (error as { code?: string }).code ?? String(error),
        );
      expect(failed, `round ${round}`).toMatch(/CONNECTION_CLOSED|CONNECTION_ENDED|57P01|ECONNRESET/);
      await scopeDone.catch(() => undefined);

      const after = await within(
        5000,
        client.sql`select 1 as ok`.then((rows) => rows[0]?.ok),
      );
      expect(after, `round ${round}: the pool's only connection leaked`).toBe(1);
    }
  });
});
