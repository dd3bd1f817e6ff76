/**
 * Failures at the PostgreSQL store boundary, provoked for real: a closed port, a backend
 * terminated by the server (57P01), bytes PostgreSQL rejects (22021), uniqueness clashes. Also the
 * client's own figures: pool counts and the slow-query log (statement text, never parameters).
 */
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDbClient, type DbClient } from '../../db/client.js';
import { AppError } from '../../lib/errors.js';
import { createPostgresStore, storeOnClient } from '../../lib/store/postgres/index.js';
import { translateError } from '../../lib/store/postgres/errors.js';
import { adminUrl, createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { withAdmin } from '../helpers/pg-admin.js';
import { newUser } from '../helpers/factories.js';
import { freePort as closedPort } from '../helpers/net.js';

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw new Error(`expected an AppError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a failure');
}

let database: TestDatabase;
let client: DbClient;

beforeAll(async () => {
  database = await createTestDatabase();
  client = createDbClient({ url: database.url, poolMax: 2 });
});

afterAll(async () => {
  await client?.close();
  await database?.drop();
});

describe('connection failures → unavailable (503)', () => {
  it('a closed port (ECONNREFUSED): every kind of call, health() included', async () => {
    const store = createPostgresStore({
      url: `postgres://postgres@127.0.0.1:${await closedPort()}/none`,
      connectTimeoutSeconds: 2,
    });
    try {
      const calls = [
        () => store.getUserById(randomUUID()),
        () => store.createUser(newUser()),
        () => store.listConversations(randomUUID(), { limit: 5 }),
        () => store.health(),
      ];
      for (const call of calls) {
        const error = await failure(call());
        expect(error.code).toBe('unavailable');
        expect(error.status).toBe(503);
        expect(error.headers['Retry-After']).toBeDefined();
        expect((error.cause as { code?: string }).code).toBe('ECONNREFUSED');
      }
    } finally {
      await store.close();
    }
  });

  it('a backend terminated mid-query (57P01) → unavailable, then the pool reconnects', async () => {
    const store = storeOnClient(client);
    const slow = client.sql.unsafe(`select pg_sleep(10)`).then(() => null, translateError);
    await withAdmin(adminUrl(), async (admin) => {
      for (let i = 0; i < 100; i++) {
        const [row] = await admin<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity
          where application_name = ${client.applicationName} and query like 'select pg_sleep%' and state = 'active'`;
        if ((row?.n ?? 0) > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await admin`select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${client.applicationName}`;
    });
    const error = await slow;
    expect(error?.code).toBe('unavailable');
    expect(['57P01', 'CONNECTION_CLOSED', 'ECONNRESET']).toContain((error?.cause as { code?: string }).code);
    expect(await store.getUserById(randomUUID())).toBeNull();
  });
});

describe('statement timeout', () => {
  it('a statement over DATABASE_STATEMENT_TIMEOUT_MS is cancelled (57014) → unavailable', async () => {
    const timed = createDbClient({ url: database.url, statementTimeoutMs: 100 });
    try {
      const error = await timed.sql.unsafe(`select pg_sleep(2)`).then(() => null, translateError);
      expect(error?.code).toBe('unavailable');
      expect((error?.cause as { code?: string }).code).toBe('57014');
    } finally {
      await timed.close();
    }
  });

  it('is not sent as a startup parameter with prepare: false (transaction poolers refuse it)', async () => {
    const pooled = createDbClient({ url: database.url, statementTimeoutMs: 100, prepare: false });
    try {
      const [row] = await pooled.sql.unsafe<{ t: string }[]>(`select current_setting('statement_timeout') as t`);
      expect(row?.t).not.toBe('100ms');
    } finally {
      await pooled.close();
    }
  });
});

describe('driver errors → AppErrors', () => {
  it('NUL that slipped past validation (22021) → validation_failed', async () => {
    const error = await client.sql.unsafe(`select $1::text`, ['a\u0000b']).then(() => null, translateError);
    expect(error?.code).toBe('validation_failed');
  });

  it('email clash at the unique index → conflict on email; the cause carries no parameters', async () => {
    const store = storeOnClient(client);
    const user = newUser({ passwordHash: 'SECRET-HASH-VALUE' });
    await store.createUser(user);
    const error = await failure(
      store.createUser(newUser({ email: user.email.toUpperCase(), passwordHash: 'SECRET-HASH-VALUE' })),
    );
    expect(error.code).toBe('conflict');
    expect(error.details[0]?.path).toBe('email');
    expect(String((error.cause as Error).message)).not.toContain('SECRET-HASH-VALUE');
  });

  it('a clash on any other constraint (duplicate id) → internal, with the driver error as cause', async () => {
    const store = storeOnClient(client);
    const user = newUser();
    await store.createUser(user);
    const error = await failure(store.createUser(newUser({ id: user.id })));
    expect(error.code).toBe('internal');
    expect((error.cause as { code?: string }).code).toBe('23505');
  });

  it('a malformed uuid reads as not found, not as a 500', async () => {
    const store = storeOnClient(client);
    expect(await store.getUserById('not-a-uuid')).toBeNull();
    expect(await store.getConversation(randomUUID(), 'nope')).toBeNull();
    expect(await store.listMessages(randomUUID(), 'nope', { limit: 5 })).toBeNull();
    expect(await store.deleteConversation(randomUUID(), 'nope')).toBe(false);
  });
});

describe('client figures', () => {
  it('pool(): max, open and idle from the server, waiting = work beyond max', async () => {
    const small = createDbClient({ url: database.url, poolMax: 2 });
    try {
      await small.sql.unsafe(`select 1`);
      const quiet = await small.pool();
      expect(quiet.max).toBe(2);
      expect(quiet.open).toBeGreaterThanOrEqual(1);
      expect(quiet.waiting).toBe(0);
      const sleeps = Array.from({ length: 4 }, () => Promise.resolve(small.sql.unsafe(`select pg_sleep(0.3)`)));
      await new Promise((r) => setTimeout(r, 50));
      const busy = await small.pool();
      await Promise.all(sleeps);
      expect(busy.waiting).toBe(2);
      expect(busy.open).toBe(2);
    } finally {
      await small.close();
    }
  });

  it('slow statements are logged with their text and duration, never their parameters', async () => {
    const lines: { statement: string; ms: number }[] = [];
    const logged = createDbClient({
      url: database.url,
      slowQueryMs: 300,
      onSlowQuery: (statement, ms) => lines.push({ statement, ms }),
    });
    try {
      await logged.sql.unsafe(`select $1::text as v`, ['SECRET-PARAM']);
      await logged.sql.unsafe(`select pg_sleep(0.5), $1::text as v`, ['SECRET-PARAM']);
      await logged.sql.begin(async (tx: postgres.TransactionSql) => {
        await tx.unsafe(`select pg_sleep(0.35)`);
      });
    } finally {
      await logged.close();
    }
    // (The fast statement may show up too on a loaded machine; the slow ones must.)
    expect(lines.map((l) => l.statement)).toEqual(
      expect.arrayContaining(['select pg_sleep(0.5), $1::text as v', 'select pg_sleep(0.35)', 'transaction']),
    );
    expect(lines.every((l) => l.ms >= 300)).toBe(true);
    expect(JSON.stringify(lines)).not.toContain('SECRET-PARAM');
  });
});

describe('the raw driver still reports what we translate', () => {
  it('postgres.js surfaces ECONNREFUSED with its code (guards the translation table)', async () => {
    const raw = postgres(`postgres://postgres@127.0.0.1:${await closedPort()}/none`, { max: 1, connect_timeout: 2 });
    try {
      const error = await raw`select 1`.then(
        () => null,
        (e: unknown) => e as { code?: string },
      );
      expect(error?.code).toBe('ECONNREFUSED');
    } finally {
      await raw.end({ timeout: 1 });
    }
  });
});
