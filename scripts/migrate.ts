/**
 * `npm run db:migrate`: applies pending migrations under the advisory lock (db/migrate.ts).
 * Connects to DATABASE_MIGRATION_URL (a direct connection when DATABASE_URL is a transaction
 * pooler), else DATABASE_URL. Without either it does nothing and exits 0, so builds of JSON-store
 * deployments pass. Exits non-zero with an actionable message when migrating fails.
 */
import { config } from '../lib/config.js';
import { migrate } from '../db/migrate.js';
import { describeFailure } from './migrate-errors.js';

async function main(): Promise<number> {
  const url = config().migrationDatabaseUrl;
  if (!url) {
    console.log('db:migrate: DATABASE_URL is not set (JSON-file store in use); nothing to migrate.');
    return 0;
  }
  const host = new URL(url).host;
  try {
    const started = Date.now();
    const result = await migrate(url, { log: (line) => console.log(`db:migrate: ${line}`) });
    console.log(
      `db:migrate: done on ${host} in ${Date.now() - started} ms: ${result.applied} applied now, ` +
        `${result.total} in the journal.`,
    );
    if (result.notApplied.length > 0) {
      console.error(
        `db:migrate: FAILED: ${result.notApplied.join(', ')} not applied. Drizzle skips a migration whose journal ` +
          'timestamp is older than the newest applied one (drizzle-orm #5769), and an applied migration must not be ' +
          'edited. Regenerate the migration on top of the current migrations (`npm run db:check` shows the order) and deploy again.',
      );
      return 1;
    }
    return 0;
  } catch (error) {
    console.error(`db:migrate: FAILED on ${host}. ${describeFailure(error)}`);
    console.error(error);
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('db:migrate: FAILED before connecting:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
