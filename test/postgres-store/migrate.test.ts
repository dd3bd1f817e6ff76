/**
 * The advisory-locked migrator: concurrent runs (in one process and as separate `db:migrate`
 * processes) on a fresh database each apply every migration exactly once; a re-run applies none.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATION_LOCK_ID, migrate, readApplied, readJournal } from '../../db/migrate.js';
import { addOlderMigration, copyMigrations } from '../helpers/migrations.js';
import { createEmptyDatabase, type TestDatabase } from '../helpers/pg.js';

const run = promisify(execFile);
const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');

async function appliedRows(url: string): Promise<{ hash: string; count: number }[]> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    return await sql<{ hash: string; count: number }[]>`
      select hash, count(*)::int as count from drizzle.__drizzle_migrations group by hash`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function waitForLockWaiters(sql: postgres.Sql, count: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const [row] = await sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where application_name = 'threadbase-migrate' and wait_event_type = 'Lock' and datname = current_database()`;
    if ((row?.n ?? 0) >= count) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`fewer than ${count} migrators waited for the advisory lock`);
}

describe('migrate()', () => {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });

  it('two concurrent runs on a fresh database apply each migration once; a re-run applies none', async () => {
    db = await createEmptyDatabase();
    const total = readJournal().length;
    // Hold the lock so both runs are provably waiting on it at the same time, then let them race.
    const holder = postgres(db.url, { max: 1, onnotice: () => undefined });
    await holder`select pg_advisory_lock(${MIGRATION_LOCK_ID.toString()}::bigint)`;
    const pending = Promise.all([migrate(db.url), migrate(db.url)]);
    await waitForLockWaiters(holder, 2);
    await holder`select pg_advisory_unlock(${MIGRATION_LOCK_ID.toString()}::bigint)`;
    await holder.end({ timeout: 5 });
    const results = await pending;
    expect(results.map((r) => r.total)).toEqual([total, total]);
    expect(results.map((r) => r.applied).sort()).toEqual([0, total]);
    const rows = await appliedRows(db.url);
    expect(rows).toHaveLength(total);
    expect(rows.every((r) => r.count === 1)).toBe(true);
    expect(await migrate(db.url)).toEqual({ applied: 0, total, notApplied: [] });
  });

  it('two concurrent `db:migrate` processes both succeed, each migration applied once', async () => {
    db = await createEmptyDatabase();
    const env = { ...process.env, DATABASE_URL: db.url, DATABASE_MIGRATION_URL: '', NODE_ENV: 'test' };
    const script = join(process.cwd(), 'scripts', 'migrate.ts');
    const outputs = await Promise.all([run(tsx, [script], { env }), run(tsx, [script], { env })]);
    const summaries = outputs.map((o) => /(\d+) applied now/.exec(o.stdout)?.[1]);
    expect(summaries.map(Number).sort()).toEqual([0, readJournal().length]);
    const rows = await appliedRows(db.url);
    expect(rows).toHaveLength(readJournal().length);
    expect(rows.every((r) => r.count === 1)).toBe(true);
  }, 60_000);

  it('readApplied on a database never migrated → none; without DATABASE_URL db:migrate exits 0', async () => {
    db = await createEmptyDatabase();
    const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
    try {
      expect(await readApplied(sql)).toEqual([]);
    } finally {
      await sql.end({ timeout: 5 });
    }
    const env = { ...process.env, DATABASE_URL: '', DATABASE_MIGRATION_URL: '', NODE_ENV: 'test' };
    const { stdout } = await run(tsx, [join(process.cwd(), 'scripts', 'migrate.ts')], { env });
    expect(stdout).toMatch(/nothing to migrate/);
  }, 30_000);

  it('a migration with an older journal timestamp than the applied ones is reported as not applied', async () => {
    db = await createEmptyDatabase();
    const folder = mkdtempSync(join(tmpdir(), 'threadbase-migrations-'));
    try {
      copyMigrations(folder);
      expect((await migrate(db.url, { migrationsFolder: folder })).notApplied).toEqual([]);
      // A migration "merged from an older branch": its timestamp predates the applied ones.
      addOlderMigration(folder, '9999_old_branch', 'CREATE TABLE old_branch (id int);', 60_000);
      const result = await migrate(db.url, { migrationsFolder: folder });
      expect(result).toMatchObject({ applied: 0, notApplied: ['9999_old_branch'] });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('an unreachable server → non-zero exit with an actionable message', async () => {
    const env = { ...process.env, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', NODE_ENV: 'test' };
    const failure = await run(tsx, [join(process.cwd(), 'scripts', 'migrate.ts')], { env }).then(
      () => null,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/Cannot reach PostgreSQL/);
  }, 30_000);
});
