/**
 * `npm run db:check`: CI guard for db/migrations/, needing no database.
 * 1. The journal's `when` timestamps strictly increase: Drizzle applies only entries newer than the
 *    last applied one, so an older entry merged from another branch would be silently skipped
 *    (drizzle-orm #5769). Every journal entry has its .sql file and every .sql file is in the journal.
 * 2. db/schema.ts matches the migrations: `drizzle-kit generate` run against a temporary copy of the
 *    folder must produce nothing (the working tree is never touched).
 * Exits 1 listing every problem found. `--schema <file>` and `--migrations <dir>` override the
 * defaults (used by the tests).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrationsFolder, type JournalEntry } from '../db/migrate.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function readEntries(folder: string): JournalEntry[] {
  return (JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: JournalEntry[] }).entries;
}

function sqlFiles(folder: string): string[] {
  return readdirSync(folder).filter((f) => f.endsWith('.sql')).sort();
}

/** Problems with the journal itself. */
export function journalProblems(entries: JournalEntry[], files: string[]): string[] {
  const problems: string[] = [];
  entries.forEach((entry, i) => {
    const prev = entries[i - 1];
    if (prev && !(entry.when > prev.when)) {
      problems.push(
        `${entry.tag}: journal "when" ${entry.when} is not after ${prev.tag}'s ${prev.when}; Drizzle would skip it ` +
          'on databases that already have the earlier one (drizzle-orm #5769). Regenerate it on top of the current main.',
      );
    }
    if (entry.idx !== i) problems.push(`${entry.tag}: idx ${entry.idx}, expected ${i}.`);
    if (!files.includes(`${entry.tag}.sql`)) problems.push(`${entry.tag}: listed in the journal but ${entry.tag}.sql is missing.`);
  });
  const tags = new Set(entries.map((e) => `${e.tag}.sql`));
  for (const file of files) {
    if (!tags.has(file)) problems.push(`${file}: not in meta/_journal.json, so it would never run.`);
  }
  return problems;
}

/** Runs drizzle-kit generate into a copy of the migrations; a new file means the schema drifted. */
function schemaDrift(schema: string, migrations: string): string[] {
  const copy = mkdtempSync(join(tmpdir(), 'threadbase-db-check-'));
  try {
    cpSync(migrations, copy, { recursive: true });
    const before = sqlFiles(copy);
    // drizzle-kit prefixes --out with "./", so it must be relative to the working directory.
    const result = spawnSync(
      process.execPath,
      [join(root, 'node_modules', 'drizzle-kit', 'bin.cjs'), 'generate', '--dialect=postgresql',
        `--schema=${relative(root, schema)}`, `--out=${relative(root, copy)}`],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
    );
    if (result.status !== 0) {
      return [`drizzle-kit generate failed (status ${result.status}): ${result.stderr || result.stdout || result.error?.message}`];
    }
    const added = sqlFiles(copy).filter((f) => !before.includes(f));
    if (added.length === 0) return [];
    const preview = readFileSync(join(copy, added[0]!), 'utf8').slice(0, 1500);
    return [`db/schema.ts has changes with no migration: run \`npm run db:generate\` and commit the result. It would generate ${added.join(', ')}:\n${preview}`];
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  const value = i >= 0 ? args[i + 1] : undefined;
  return value === undefined ? fallback : resolve(value);
}

function main(args: string[]): number {
  const schema = option(args, '--schema', join(root, 'db', 'schema.ts'));
  const migrations = option(args, '--migrations', migrationsFolder);
  const problems = [...journalProblems(readEntries(migrations), sqlFiles(migrations)), ...schemaDrift(schema, migrations)];
  if (problems.length === 0) {
    console.log('db:check: migrations are consistent with db/schema.ts and the journal is in order.');
    return 0;
  }
  for (const p of problems) console.error(`db:check: ${p}`);
  return 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(main(process.argv.slice(2)));
