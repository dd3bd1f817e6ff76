/**
 * Per-test PostgreSQL databases: each call clones the run's migrated template (see
 * test/setup/global-postgres.ts) into a fresh database, so tests never see each other's data.
 */
import { inject } from 'vitest';
import { cloneDatabase, databaseUrl, dropDatabase, randomSuffix, withAdmin } from './pg-admin.js';

export interface TestDatabase {
  /** Connection URL of the new, fully migrated database. */
  url: string;
  name: string;
  /** Drops the database (forcibly closing connections left open). */
  drop(): Promise<void>;
}

/** URL of the admin database of the test server (for tests that need to create/drop/terminate). */
export function adminUrl(): string {
  const url = inject('pgAdminUrl');
  if (!url) throw new Error('No test PostgreSQL: run through vitest (globalSetup test/setup/global-postgres.ts).');
  return url;
}

/** A fresh, migrated database cloned from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = adminUrl();
  const name = `${inject('pgRunPrefix')}${randomSuffix()}`;
  await withAdmin(admin, (sql) => cloneDatabase(sql, name, inject('pgTemplate')));
  return {
    url: databaseUrl(admin, name),
    name,
    drop: () => withAdmin(admin, (sql) => dropDatabase(sql, name)),
  };
}

/** An empty database with no tables (for migration tests). */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  const admin = adminUrl();
  const name = `${inject('pgRunPrefix')}${randomSuffix()}`;
  await withAdmin(admin, (sql) => sql.unsafe(`CREATE DATABASE "${name}"`));
  return {
    url: databaseUrl(admin, name),
    name,
    drop: () => withAdmin(admin, (sql) => dropDatabase(sql, name)),
  };
}
