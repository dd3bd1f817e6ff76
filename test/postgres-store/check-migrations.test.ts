/**
 * `db:check` (scripts/check-migrations.ts) without a database: the journal's timestamps must
 * strictly increase (drizzle-orm #5769) and db/schema.ts must need no new migration.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { journalProblems } from '../../scripts/check-migrations.js';
import { addOlderMigration, copyMigrations } from '../helpers/migrations.js';

const run = promisify(execFile);
const root = process.cwd();
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const script = join(root, 'scripts', 'check-migrations.ts');
const temp = mkdtempSync(join(tmpdir(), 'threadbase-check-test-'));

afterAll(() => rmSync(temp, { recursive: true, force: true }));

async function check(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(tsx, [script, ...args], { cwd: root });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('journal rules', () => {
  const entry = (idx: number, when: number, tag: string) => ({ idx, when, tag });

  it('strictly increasing timestamps with matching files → no problems', () => {
    expect(journalProblems([entry(0, 1, 'a'), entry(1, 2, 'b')], ['a.sql', 'b.sql'])).toEqual([]);
  });

  it('an entry not newer than the previous one is reported, naming drizzle-orm #5769', () => {
    const problems = journalProblems(
      [entry(0, 5, 'a'), entry(1, 5, 'b'), entry(2, 3, 'c')],
      ['a.sql', 'b.sql', 'c.sql'],
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/b: .*#5769/);
  });

  it('a missing .sql file and an .sql file outside the journal are reported', () => {
    const problems = journalProblems([entry(0, 1, 'a')], ['b.sql']);
    expect(problems.join('\n')).toMatch(/a\.sql is missing/);
    expect(problems.join('\n')).toMatch(/b\.sql: not in meta\/_journal\.json/);
  });
});

describe('db:check', () => {
  it('passes on the committed schema and migrations', async () => {
    const result = await check([]);
    expect(result.out).toMatch(/consistent/);
    expect(result.code).toBe(0);
  }, 60_000);

  it('fails when the schema has a change with no migration, and leaves db/migrations alone', async () => {
    const dir = join(temp, 'schema');
    cpSync(join(root, 'db'), dir, { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    const schema = join(dir, 'schema.ts');
    writeFileSync(
      schema,
      readFileSync(schema, 'utf8').replace(
        "title: text('title').notNull(),",
        "title: text('title').notNull(),\n    archivedAt: tstz('archived_at'),",
      ),
    );
    const before = readFileSync(join(root, 'db', 'migrations', 'meta', '_journal.json'), 'utf8');
    const result = await check(['--schema', schema]);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/db:generate/);
    expect(result.out).toMatch(/archived_at/);
    expect(readFileSync(join(root, 'db', 'migrations', 'meta', '_journal.json'), 'utf8')).toBe(before);
  }, 60_000);

  it('fails on a journal whose timestamps go backwards', async () => {
    const dir = join(temp, 'migrations');
    copyMigrations(dir);
    addOlderMigration(dir, 'zz_old_branch', 'select 1;', 1000);
    const result = await check(['--migrations', dir]);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/zz_old_branch: journal "when"/);
  }, 60_000);
});
