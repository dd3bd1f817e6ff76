/**
 * Runs the committed migrations (db/migrations/) with Drizzle's migrator, serialized across
 * processes by a PostgreSQL advisory lock: Drizzle takes no lock itself (drizzle-orm #874), so two
 * deploys could otherwise race. The lock is held on a dedicated single connection (session-level
 * advisory locks do not survive a transaction pooler), which is closed afterwards so scripts exit.
 * Also answers "what is applied, what is pending" for health checks and the status script.
 */
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate as drizzleMigrate } from 'drizzle-orm/postgres-js/migrator';
import journal from './migrations/meta/_journal.json' with { type: 'json' };

/** Arbitrary constant shared by every Threadbase migrator ("threadbs" as ASCII, fits in int8). */
export const MIGRATION_LOCK_ID = 0x7468726561646273n;

export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

export interface JournalEntry {
  idx: number;
  when: number;
  tag: string;
}

/**
 * The entries of db/migrations/meta/_journal.json, in file order. Imported statically (not read
 * from disk) so serverless bundles that only trace imports still carry it for health().
 */
export function readJournal(): JournalEntry[] {
  return (journal as { entries: JournalEntry[] }).entries;
}

export interface AppliedMigration {
  hash: string;
  createdAt: number;
}

interface PgErrorLike {
  code?: unknown;
}

/** Rows of drizzle.__drizzle_migrations; none when the table does not exist yet. */
export async function readApplied(sql: postgres.Sql): Promise<AppliedMigration[]> {
  try {
    const rows = await sql<{ hash: string; created_at: string | null }[]>`
      select hash, created_at::text as created_at from drizzle.__drizzle_migrations order by id`;
    return rows.map((r) => ({ hash: r.hash, createdAt: Number(r.created_at ?? 0) }));
  } catch (error) {
    // 42P01 undefined_table / 3F000 invalid_schema_name: nothing was ever migrated here.
    const code = (error as PgErrorLike).code;
    if (code === '42P01' || code === '3F000') return [];
    throw error;
  }
}

export interface MigrationStatus {
  applied: AppliedMigration[];
  /** Journal entries Drizzle would apply next (newer than the last applied one). */
  pending: JournalEntry[];
}

/** Drizzle applies exactly the journal entries newer than the newest applied row (drizzle-orm #5769). */
export function statusOf(applied: AppliedMigration[], journal: JournalEntry[] = readJournal()): MigrationStatus {
  const last = applied.reduce((max, a) => Math.max(max, a.createdAt), -Infinity);
  return { applied, pending: journal.filter((e) => e.when > last) };
}

export interface MigrateOptions {
  log?: (line: string) => void;
}

/** Applies pending migrations under the advisory lock; returns how many were applied now. */
export async function migrate(
  databaseUrl: string,
  options: MigrateOptions = {},
): Promise<{ applied: number; total: number }> {
  const log = options.log ?? (() => undefined);
  const sql = postgres(databaseUrl, {
    max: 1,
    prepare: false,
    connect_timeout: 10,
    onnotice: () => undefined,
    connection: { application_name: 'threadbase-migrate' },
  });
  try {
    log('waiting for the migration lock');
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_ID.toString()}::bigint)`;
    // On failure the lock is released by ending the session below, so no unlock can mask the error.
    const before = (await readApplied(sql)).length;
    await drizzleMigrate(drizzle(sql), { migrationsFolder });
    const after = (await readApplied(sql)).length;
    await sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID.toString()}::bigint)`;
    const total = readJournal().length;
    log(`applied ${after - before} migration(s); ${after} of ${total} in the journal are recorded`);
    return { applied: after - before, total };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
