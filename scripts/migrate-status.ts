/**
 * `npm run db:migrate:status`: lists the journal's migrations as applied or pending on the
 * database (DATABASE_MIGRATION_URL, else DATABASE_URL), read-only. Also flags a journal entry that
 * is not applied yet older than the newest applied one: Drizzle would silently skip it
 * (drizzle-orm #5769). Exits 1 when the database cannot be read.
 */
import postgres from 'postgres';
import { config } from '../lib/config.js';
import { fileHash, migrationsFolder, readApplied, readJournal, statusOf } from '../db/migrate.js';
import { describeFailure } from './migrate-errors.js';

async function main(): Promise<number> {
  const url = config().migrationDatabaseUrl;
  if (!url) {
    console.log('db:migrate:status: DATABASE_URL is not set (JSON-file store in use); no migrations apply.');
    return 0;
  }
  const sql = postgres(url, { max: 1, prepare: false, onnotice: () => undefined });
  try {
    const applied = await readApplied(sql);
    const status = statusOf(applied);
    const appliedHashes = new Set(applied.map((a) => a.hash));
    const pending = new Set(status.pending.map((e) => e.tag));
    for (const entry of readJournal()) {
      const when = new Date(entry.when).toISOString();
      const state = appliedHashes.has(fileHash(migrationsFolder, entry.tag))
        ? 'applied'
        : pending.has(entry.tag)
          ? 'pending'
          : 'NOT APPLIED (older than the newest applied migration, so Drizzle skips it; or its file changed after it was applied)';
      console.log(`${entry.tag.padEnd(40)} ${when}  ${state}`);
    }
    console.log(`${applied.length} applied, ${status.pending.length} pending.`);
    return 0;
  } catch (error) {
    console.error(`db:migrate:status: FAILED. ${describeFailure(error)}`);
    console.error(error);
    return 1;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('db:migrate:status: FAILED:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
