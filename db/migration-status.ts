/**
 * What is applied and what is pending: the journal of db/migrations/, the rows of
 * drizzle.__drizzle_migrations and Drizzle's rule for what it would apply next. Plain postgres.js
 * and node built-ins, no Drizzle: /api/health asks this on a cold function, where loading Drizzle's
 * migrator would cost more than the health check itself (docs/decisions/0015-cold-start.md).
 * db/migrate.ts applies the migrations.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type postgres from 'postgres';
import journal from './migrations/meta/_journal.json' with { type: 'json' };

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

/** Drizzle's hash of a migration: sha256 of the .sql file as it is on disk. */
export function fileHash(folder: string, tag: string): string {
  return createHash('sha256')
    .update(readFileSync(join(folder, `${tag}.sql`), 'utf8'))
    .digest('hex');
}
