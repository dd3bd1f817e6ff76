/**
 * Runs the committed migrations (db/migrations/) with Drizzle's migrator, serialized across
 * processes by a PostgreSQL advisory lock: Drizzle takes no lock itself (drizzle-orm #874), so two
 * deploys could otherwise race. The lock is held on a dedicated single connection (session-level
 * advisory locks do not survive a transaction pooler), which is closed afterwards so scripts exit.
 * Also answers "what is applied, what is pending" for health checks and the status script.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
 * The entries of `folder`/meta/_journal.json, in file order. db/migrations' own journal is
 * imported statically (not read from disk) so serverless bundles that only trace imports still
 * carry it for health(); another folder's (tests, db:check --migrations) is read from disk.
 */
export function readJournal(folder: string = migrationsFolder): JournalEntry[] {
  if (folder === migrationsFolder) return (journal as { entries: JournalEntry[] }).entries;
  return (JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: JournalEntry[] })
    .entries;
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
  /** Defaults to db/migrations (tests point it elsewhere). */
  migrationsFolder?: string;
}

export interface MigrateResult {
  /** Migrations applied by this run. */
  applied: number;
  /** Entries in the journal. */
  total: number;
  /**
   * Journal entries whose SQL is not recorded as applied after the run: Drizzle skipped them
   * because their timestamp is older than the newest applied one (drizzle-orm #5769), or an
   * applied migration file was edited afterwards. Either way the database does not match the code.
   */
  notApplied: string[];
}

/** Drizzle's hash of a migration: sha256 of the .sql file as it is on disk. */
export function fileHash(folder: string, tag: string): string {
  return createHash('sha256')
    .update(readFileSync(join(folder, `${tag}.sql`), 'utf8'))
    .digest('hex');
}

/** Applies pending migrations under the advisory lock; reports what it applied and what is missing. */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const log = options.log ?? (() => undefined);
  const folder = options.migrationsFolder ?? migrationsFolder;
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
    await drizzleMigrate(drizzle(sql), { migrationsFolder: folder });
    const applied = await readApplied(sql);
    await sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID.toString()}::bigint)`;
    const journal = readJournal(folder);
    const hashes = new Set(applied.map((a) => a.hash));
    const notApplied = journal.filter((e) => !hashes.has(fileHash(folder, e.tag))).map((e) => e.tag);
    log(
      `applied ${applied.length - before} migration(s); ${applied.length} recorded, ${journal.length} in the journal`,
    );
    return { applied: applied.length - before, total: journal.length, notApplied };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
