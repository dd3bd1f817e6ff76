/**
 * Runs the committed migrations (db/migrations/) with Drizzle's migrator, serialized across
 * processes by a PostgreSQL advisory lock: Drizzle takes no lock itself (drizzle-orm #874), so two
 * deploys could otherwise race. The lock is held on a dedicated single connection (session-level
 * advisory locks do not survive a transaction pooler), which is closed afterwards so scripts exit.
 * What is applied and what is pending lives in db/migration-status.ts (no Drizzle: health checks
 * ask it), re-exported here for the scripts and tests.
 */
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate as drizzleMigrate } from 'drizzle-orm/postgres-js/migrator';
import { fileHash, migrationsFolder, readApplied, readJournal } from './migration-status.js';

export {
  fileHash,
  migrationsFolder,
  readApplied,
  readJournal,
  statusOf,
  type AppliedMigration,
  type JournalEntry,
  type MigrationStatus,
} from './migration-status.js';

/** Arbitrary constant shared by every Threadbase migrator ("threadbs" as ASCII, fits in int8). */
export const MIGRATION_LOCK_ID = 0x7468726561646273n;

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
