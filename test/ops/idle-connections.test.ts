/**
 * An idle instance holds no database connection after DATABASE_IDLE_TIMEOUT (DESIGN.md's budget:
 * serverless fleets otherwise exhaust max_connections). Checked on the server's side, in
 * pg_stat_activity, both for a store built directly and for the real dev server process.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from '../../lib/store/postgres/index.js';
import { withAdmin } from '../helpers/pg-admin.js';
import { adminUrl, createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { api, startTestServer, type TestServer } from '../e2e/harness.js';

const IDLE_SECONDS = 1;

/** Client connections to `database`, as PostgreSQL sees them (our admin connection is elsewhere). */
async function connectionsTo(database: string): Promise<number> {
  return withAdmin(adminUrl(), async (sql) => {
    const [row] = await sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where datname = ${database} and backend_type = 'client backend'`;
    return row?.n ?? 0;
  });
}

/** Polls until `database` has no client connections; returns how long that took (ms). */
async function waitForZero(database: string, limitMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const open = await connectionsTo(database);
    if (open === 0) return Date.now() - started;
    if (Date.now() - started > limitMs)
      throw new Error(`${open} connection(s) to ${database} still open after ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('idle connections are closed after DATABASE_IDLE_TIMEOUT', () => {
  let db: TestDatabase;
  let server: TestServer | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    try {
      await server?.stop();
    } finally {
      await db.drop();
    }
  });

  it('a store opened with idleTimeoutSeconds=1 holds zero connections once idle', async () => {
    const store = createPostgresStore({ url: db.url, poolMax: 3, idleTimeoutSeconds: IDLE_SECONDS });
    try {
      // Several concurrent round trips make the pool open more than one connection.
      await Promise.all(Array.from({ length: 6 }, () => store.health()));
      expect(await connectionsTo(db.name)).toBeGreaterThan(0);
      const tookMs = await waitForZero(db.name, IDLE_SECONDS * 1000 + 4000);
      expect(tookMs).toBeLessThan(IDLE_SECONDS * 1000 + 4000);
      // And the pool reconnects on demand afterwards.
      await expect(store.health()).resolves.toMatchObject({ storage: 'postgres' });
    } finally {
      await store.close();
    }
  });

  it('the dev server with DATABASE_IDLE_TIMEOUT=1 holds zero connections once idle, then serves again', async () => {
    server = await startTestServer(
      { env: { DATABASE_URL: db.url } },
      { DATABASE_IDLE_TIMEOUT: String(IDLE_SECONDS), DATABASE_POOL_MAX: '3' },
    );
    const call = api(server.url);
    const id = randomBytes(5).toString('hex');
    const reg = await call<{ token: string }>('POST', '/api/auth/register', {
      json: { email: `idle-${id}@example.test`, username: `idle_${id}`, password: 'password-123' },
    });
    expect(reg.status, server.output()).toBe(201);
    const token = reg.body.token;
    const writes = await Promise.all(
      Array.from({ length: 6 }, (_, i) => call('POST', '/api/conversations', { json: { title: `c${i}` }, token })),
    );
    expect(writes.map((w) => w.status)).toEqual(Array(6).fill(201));
    expect(await connectionsTo(db.name)).toBeGreaterThan(0);

    await waitForZero(db.name, IDLE_SECONDS * 1000 + 4000);

    const again = await call<{ items: unknown[] }>('GET', '/api/conversations', { token });
    expect(again.status).toBe(200);
    expect(again.body.items).toHaveLength(6);
  });
});
