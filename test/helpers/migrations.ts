/**
 * Copies of db/migrations/ for tests that need a broken one: a journal entry "merged from an
 * older branch", whose timestamp predates the entries already there (drizzle-orm #5769).
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrationsFolder, type JournalEntry } from '../../db/migrate.js';

/** Copies the committed migrations into `folder`. */
export function copyMigrations(folder: string): void {
  cpSync(migrationsFolder, folder, { recursive: true });
}

/**
 * Adds migration `tag` (file content `sql`) to the journal in `folder`, dated `olderByMs` before
 * its first entry. The journal file is rewritten whole, so its other fields stay as they were.
 */
export function addOlderMigration(folder: string, tag: string, sql: string, olderByMs: number): void {
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: JournalEntry[] };
  const first = journal.entries[0]!;
  journal.entries.push({ ...first, idx: journal.entries.length, when: first.when - olderByMs, tag });
  writeFileSync(journalPath, JSON.stringify(journal));
  writeFileSync(join(folder, `${tag}.sql`), sql);
}
