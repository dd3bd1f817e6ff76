/**
 * `npm run db:check`: CI guard for db/migrations/, needing no database.
 * 1. The journal's `when` timestamps strictly increase: Drizzle applies only entries newer than the
 *    last applied one, so an older entry merged from another branch would be silently skipped
 *    (drizzle-orm #5769). Every journal entry has its .sql file and every .sql file is in the journal.
 * 2. db/schema.ts matches the migrations: `drizzle-kit generate` run against a temporary copy of the
 *    folder must produce nothing (the working tree is never touched).
 * Exits 1 listing every problem found (2 on bad arguments). `--schema <file>` and `--migrations <dir>`
 * override the defaults (used by the tests).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrationsFolder, readJournal, type JournalEntry } from '../db/migrate.js';
import { parseCli, stringFlag, UsageError } from '../lib/cli-args.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function sqlFiles(folder: string): string[] {
  return readdirSync(folder)
    .filter((f) => f.endsWith('.sql'))
    .sort();
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
    if (!files.includes(`${entry.tag}.sql`))
      problems.push(`${entry.tag}: listed in the journal but ${entry.tag}.sql is missing.`);
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
      [
        join(root, 'node_modules', 'drizzle-kit', 'bin.cjs'),
        'generate',
        '--dialect=postgresql',
        `--schema=${relative(root, schema)}`,
        `--out=${relative(root, copy)}`,
      ],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
    );
    if (result.status !== 0) {
      return [
        `drizzle-kit generate failed (status ${result.status}): ${result.stderr || result.stdout || result.error?.message}`,
      ];
    }
    const added = sqlFiles(copy).filter((f) => !before.includes(f));
    if (added.length === 0) return [];
    const preview = readFileSync(join(copy, added[0]!), 'utf8').slice(0, 1500);
    return [
      `db/schema.ts has changes with no migration: run \`npm run db:generate\` and commit the result. It would generate ${added.join(', ')}:\n${preview}`,
    ];
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

const USAGE = 'usage: npm run db:check -- [--schema <file>] [--migrations <dir>]';

function main(argv: string[]): number {
  const args = parseCli(argv, { schema: { type: 'string' }, migrations: { type: 'string' } }, USAGE);
  if (args.values.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}\n${USAGE}`);
  const schema = resolve(stringFlag(args.values.schema, join(root, 'db', 'schema.ts')));
  const migrations = resolve(stringFlag(args.values.migrations, migrationsFolder));
  const problems = [
    ...journalProblems(readJournal(migrations), sqlFiles(migrations)),
    ...schemaDrift(schema, migrations),
  ];
  if (problems.length === 0) {
    console.log('db:check: migrations are consistent with db/schema.ts and the journal is in order.');
    return 0;
  }
  for (const p of problems) console.error(`db:check: ${p}`);
  return 1;
}

/** Exit codes: 0 consistent, 1 problems found, 2 bad arguments. */
function run(argv: string[]): number {
  try {
    return main(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`db:check: ${error.message}`);
    return 2;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(run(process.argv.slice(2)));
