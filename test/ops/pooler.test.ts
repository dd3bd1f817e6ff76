/**
 * Threadbase behind PgBouncer in transaction pooling mode (what Supavisor, Neon's pooler and
 * Railway's PgBouncer do), with DATABASE_PREPARE=false: the real dev server, real HTTP, the
 * busiest paths under concurrency (transactions, keyset pages, search, usage counting,
 * idempotent retries). Any 5xx fails the test (api-fixture's client).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from '../../lib/store/postgres/index.js';
import type { Backend } from '../helpers/backends.js';
import { adminUrl, createTestDatabase } from '../helpers/pg.js';
import { useE2e } from '../e2e/api-fixture.js';
import { pgbouncerAvailable, startPgBouncer, type PgBouncer } from './helpers/pgbouncer.js';

let pooler: PgBouncer | undefined;
const databases: string[] = [];

/** A postgres backend whose store and server both connect through the pooler, prepare off. */
const throughPooler: Backend = {
  name: 'postgres',
  async create() {
    if (!pooler) throw new Error('PgBouncer not started');
    const db = await createTestDatabase();
    databases.push(db.name);
    const url = pooler.url(db.name);
    const open = () => createPostgresStore({ url, poolMax: 3, prepare: false });
    const store = open();
    return {
      store,
      env: { DATABASE_URL: url, DATABASE_PREPARE: 'false' },
      openAnother: open,
      async cleanup() {
        try {
          await store.close();
        } finally {
          await db.drop();
        }
      },
    };
  },
};

describe.skipIf(!pgbouncerAvailable())('behind PgBouncer (pool_mode=transaction, DATABASE_PREPARE=false)', () => {
  beforeAll(async () => {
    pooler = await startPgBouncer(adminUrl());
  }, 180_000);
  afterAll(async () => {
    await pooler?.stop();
  });

  const t = useE2e(throughPooler, { DATABASE_POOL_MAX: '3' });

  it('serves concurrent writes, pages, search and usage through the pooler', async () => {
    const alice = await t.register();
    const convs = await Promise.all(Array.from({ length: 8 }, (_, i) => t.conversation(alice, `pooled ${i}`)));
    const posts = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        t.call<{ id: string }>('POST', `/api/conversations/${convs[i % convs.length]}/messages`, {
          json: { role: 'user', content: `pooled lantern message ${i}`, metadata: { n: String(i) } },
          token: alice.token,
        }),
      ),
    );
    expect(posts.map((p) => p.status)).toEqual(Array(24).fill(201));

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = await t.call<{ items: { id: string }[]; nextCursor: string | null }>(
        'GET',
        `/api/conversations?limit=3${query}`,
        { token: alice.token },
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((c) => c.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...convs].sort());

    const hits = await t.call<{ items: unknown[] }>('GET', '/api/search?q=lantern&meta.n=7', { token: alice.token });
    expect(hits.status).toBe(200);
    expect(hits.body.items).toHaveLength(1);
    const usage = await t.call<{ daily: { used: number } }>('GET', '/api/usage', { token: alice.token });
    expect(usage.body.daily.used).toBe(24);
  });

  it('replays an idempotent write instead of writing twice', async () => {
    const bob = await t.register();
    const conv = await t.conversation(bob);
    const send = () =>
      t.call<{ id: string }>('POST', `/api/conversations/${conv}/messages`, {
        json: { role: 'user', content: 'once only' },
        headers: { 'idempotency-key': `retry-${bob.id}` },
        token: bob.token,
      });
    const [first, second] = [await send(), await send()];
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    const list = await t.call<{ items: unknown[] }>('GET', `/api/conversations/${conv}/messages`, { token: bob.token });
    expect(list.body.items).toHaveLength(1);
  });

  it('reports healthy, and its traffic really went through PgBouncer', async () => {
    const health = await t.call<{ status: string; storage: string }>('GET', '/api/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', storage: 'postgres' });
    const log = (await pooler?.log()) ?? '';
    for (const name of databases) expect(log).toContain(`db=${name}`);
  });
});
