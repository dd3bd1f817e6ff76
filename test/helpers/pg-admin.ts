/**
 * Administrative PostgreSQL operations for tests: creating databases from the migrated template
 * and dropping them. Used by the global setup (main vitest process) and by test files (workers).
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** Connects to the server's admin database with one connection and runs `fn`, then closes. */
export async function withAdmin<T>(adminUrl: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => undefined, connect_timeout: 10 });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** `url` with its database name replaced by `database`. */
export function databaseUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A random lower-case suffix that is safe in an unquoted identifier. */
export function randomSuffix(bytes = 6): string {
  return randomBytes(bytes).toString('hex');
}

function errorCode(error: unknown): string | undefined {
  if (error !== null && typeof error === 'object' && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * CREATE DATABASE name TEMPLATE template. PostgreSQL refuses (55006 "source database is being
 * accessed by other users") while anything else touches the template, including a concurrent
 * clone from another worker, so retry with jittered backoff.
 */
export async function cloneDatabase(sql: postgres.Sql, name: string, template: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await sql.unsafe(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
      return;
    } catch (error) {
      if (errorCode(error) !== '55006' || attempt >= 100) throw error;
      await sleep(20 + Math.random() * 80);
    }
  }
}

/** DROP DATABASE IF EXISTS ... WITH (FORCE): also ends connections a failed test left open. */
export async function dropDatabase(sql: postgres.Sql, name: string): Promise<void> {
  await sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

/** Names of databases starting with `prefix` (for teardown of leftovers). */
export async function databasesWithPrefix(sql: postgres.Sql, prefix: string): Promise<string[]> {
  const rows = await sql<{ datname: string }[]>`
    select datname from pg_database where starts_with(datname, ${prefix}) and not datistemplate`;
  return rows.map((r) => r.datname);
}
