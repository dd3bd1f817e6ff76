/**
 * A statement cancelled by the request deadline gives its pool connection back, whatever state
 * the statement was in: queued behind a busy connection, the first statement of a connection
 * still opening (a hung server), or running on the server. With `max: 1`, a lost slot means every
 * later query waits forever. Before the postgres.js patch, a query cancelled while its connection
 * was opening left that connection in postgres.js's `connecting` list for good.
 */
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDbClient, type DbClient } from '../../db/client.js';
import { newDeadline } from '../../lib/request-deadline.js';
import { guard } from '../../lib/store/postgres/errors.js';
import { startOwnPostgres, type OwnPostgres } from './helpers/own-postgres.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Settles with the work's result, or with 'timeout' when it hangs. */
function within<T>(ms: number, work: Promise<T>): Promise<T | 'timeout'> {
  return Promise.race([work, sleep(ms).then(() => 'timeout' as const)]);
}

type Work = (sql: postgres.Sql) => Promise<unknown>;

/** What a store operation on `client` inside a request with `budgetMs` answers, and how long it took. */
async function inRequest(client: DbClient, budgetMs: number, work: Work): Promise<{ outcome: string; ms: number }> {
  const started = performance.now();
  const deadline = newDeadline(budgetMs);
  const outcome = await guard(() => work(client.during(deadline)), deadline).then(
    () => 'ok',
    (error: unknown) => {
      const e = error as { status?: number; cause?: { name?: string } };
      return `${e.status ?? '?'}:${e.cause?.name ?? '?'}`;
    },
  );
  return { outcome, ms: Math.round(performance.now() - started) };
}

describe('the request deadline and the pool (max 1)', () => {
  let pg: OwnPostgres;
  let client: DbClient;

  beforeAll(async () => {
    pg = await startOwnPostgres();
    client = createDbClient({ url: pg.url, poolMax: 1, connectTimeoutSeconds: 10, idleTimeoutSeconds: 0 });
  });
  afterAll(async () => {
    try {
      await client?.close(1);
    } finally {
      await pg?.destroy();
    }
  });

  const selectOne = async (sql: postgres.Sql = client.sql): Promise<unknown> => (await sql.unsafe('select 1 as ok'))[0];

  it('a statement cancelled while its connection is opening (hung server) does not lose the slot', async () => {
    await pg.freeze();
    let during: { outcome: string; ms: number };
    try {
      during = await inRequest(client, 500, selectOne);
    } finally {
      await pg.thaw();
    }
    expect(during.outcome).toBe('503:DeadlineExceeded');
    expect(during.ms).toBeLessThan(2500);
    expect(await within(8000, selectOne()), 'the pool lost its only connection').toEqual({ ok: 1 });
  }, 30_000);

  it('statements queued behind a busy connection and one running on the server are cancelled, and the slot serves again', async () => {
    const running = inRequest(client, 700, (sql) => sql.unsafe('select pg_sleep(5)'));
    await sleep(50);
    const queued = inRequest(client, 500, selectOne);
    const [r, q] = await Promise.all([running, queued]);
    expect(q.outcome).toBe('503:DeadlineExceeded');
    expect(q.ms).toBeLessThan(2500);
    expect(r.outcome).toBe('503:DeadlineExceeded');
    expect(r.ms).toBeLessThan(2500);
    // The cancelled pg_sleep ended on the server, so the one connection is free well before 5 s.
    const started = performance.now();
    expect(await within(8000, selectOne()), 'the pool lost its only connection').toEqual({ ok: 1 });
    expect(performance.now() - started).toBeLessThan(2500);
  }, 30_000);

  it('a transaction whose connection comes after the deadline does nothing and frees the slot', async () => {
    await client.sql.unsafe('create table if not exists deadline_probe (n int)');
    const holder = inRequest(client, 600, (sql) => sql.unsafe('select pg_sleep(5)'));
    await sleep(50);
    const tx = inRequest(client, 300, (sql) =>
      sql.begin(async (t: postgres.TransactionSql) => {
        await t.unsafe('insert into deadline_probe values (1)');
      }),
    );
    const [h, t] = await Promise.all([holder, tx]);
    expect(t.outcome).toBe('503:DeadlineExceeded');
    expect(h.outcome).toBe('503:DeadlineExceeded');
    await sleep(300);
    expect(await within(8000, client.sql.unsafe('select count(*)::int as n from deadline_probe')), 'slot lost').toEqual(
      [{ n: 0 }],
    );
  }, 30_000);
});
