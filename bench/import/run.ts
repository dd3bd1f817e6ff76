/**
 * npm run bench:import -- [--messages 1000000 | --quick] [--admin-url postgres://…/postgres] [--db-prefix threadbase_bench_] [--keep]
 *
 * Generates a JSON store, times `data:import` into a fresh migrated database (validation, COPY
 * and verification before COMMIT included, as its own process), then times `psql \copy` of
 * exactly the same rows into a second fresh migrated database (same tables, indexes and
 * constraints, one transaction; the foreign keys checked row by row, the search vector computed),
 * and prints both rates and their ratio. A second baseline loads the same rows with psql the way
 * data:import does (its foreign keys dropped before the \copy and re-added after it, in the same
 * transaction), so the ratio can be read both ways. `--quick`: 20,000 messages, seconds. The admin
 * URL defaults to BENCH_DATABASE_URL (this machine's PostgreSQL unless set), as in every section. Records its target for
 * `npm run bench`'s summary (bench/summary.ts).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { migrate } from '../../db/migrate.js';
import { config } from '../../lib/config.js';
import { TABLE_ORDER, TABLES, columnList } from '../../lib/data-transfer/canonical-row.js';
import { intFlag, parseCli, stringFlag } from '../../lib/cli-args.js';
import { runScript } from '../../lib/data-transfer/cli.js';
import type { ImportReport } from '../../lib/data-transfer/import.js';
import { recordTarget } from '../summary.js';
import { generateStore } from './generate-store.js';

const run = promisify(execFile);
const USAGE =
  'usage: npm run bench:import -- [--messages 1000000 | --quick] [--admin-url <postgres url>] [--db-prefix threadbase_bench_] [--keep]';
const QUICK_MESSAGES = 20_000;

function withDatabase(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin(adminUrl: string, statement: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    await sql.unsafe(statement);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  await admin(adminUrl, `create database "${name}"`);
  const url = withDatabase(adminUrl, name);
  await migrate(url);
  return url;
}

/** Runs data:import as its own process (as an operator would) and returns its report and wall time. */
function timeImport(dir: string, url: string): Promise<{ seconds: number; report: ImportReport }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/data-import.ts', dir, '--json', '--quiet'], {
    env: { ...process.env, DATABASE_URL: url },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`data:import exited with ${code}: ${out}`));
      else resolve({ seconds: (performance.now() - started) / 1000, report: JSON.parse(out) as ImportReport });
    });
  });
}

/** The foreign keys of `url`'s tables as DROP and ADD statements (as lib/data-transfer/foreign-keys.ts builds them). */
async function foreignKeyStatements(url: string): Promise<{ drop: string[]; add: string[] }> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    const rows = await sql<{ drop: string; add: string }[]>`
      select format('alter table %s drop constraint %I', conrelid::regclass, conname) as drop,
             format('alter table %s add constraint %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) as add
      from pg_constraint where contype = 'f' and connamespace = 'public'::regnamespace order by 1`;
    return { drop: rows.map((r) => r.drop), add: rows.map((r) => r.add) };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Dumps every table of `fromUrl` to COPY text files (the rows data:import stored). */
async function dumpTables(fromUrl: string, work: string): Promise<void> {
  for (const name of TABLE_ORDER) {
    const spec = TABLES[name];
    await run('psql', [
      fromUrl,
      '-v',
      'ON_ERROR_STOP=1',
      '-qc',
      `\\copy ${spec.table} (${columnList(spec)}) to '${join(work, `${spec.table}.copy`)}'`,
    ]);
  }
}

/** Times loading the dumped files into `toUrl` with psql \copy in one transaction; `deferKeys`: as data:import does. */
async function timePsqlCopy(toUrl: string, work: string, deferKeys: boolean): Promise<number> {
  const keys = deferKeys ? await foreignKeyStatements(toUrl) : { drop: [], add: [] };
  const args = [toUrl, '-v', 'ON_ERROR_STOP=1', '-q', '-c', 'begin'];
  for (const statement of keys.drop) args.push('-c', statement);
  for (const name of TABLE_ORDER) {
    const spec = TABLES[name];
    args.push('-c', `\\copy ${spec.table} (${columnList(spec)}) from '${join(work, `${spec.table}.copy`)}'`);
  }
  for (const statement of keys.add) args.push('-c', statement);
  args.push('-c', 'commit');
  const started = performance.now();
  await run('psql', args, { maxBuffer: 16 * 1024 * 1024 });
  return (performance.now() - started) / 1000;
}

interface Timings {
  messages: number;
  rows: number;
  imp: { seconds: number; report: ImportReport };
  copySeconds: number;
  deferredCopySeconds: number;
}

function print(t: Timings): void {
  const rate = (s: number): string => Math.round(t.rows / s).toLocaleString('en-US');
  const lines = [
    `store: ${t.messages.toLocaleString('en-US')} messages, ${t.rows.toLocaleString('en-US')} rows in all tables`,
    `data:import  ${t.imp.seconds.toFixed(1)}s  ${rate(t.imp.seconds)} rows/s  (validation + COPY + verification before COMMIT; peak RSS ${t.imp.report.maxRssMb ?? '?'} MB)`,
    `psql \\copy   ${t.copySeconds.toFixed(1)}s  ${rate(t.copySeconds)} rows/s  (same rows, same schema, one transaction, foreign keys checked per row)`,
    `psql \\copy   ${t.deferredCopySeconds.toFixed(1)}s  ${rate(t.deferredCopySeconds)} rows/s  (the same, foreign keys dropped and re-added around it, as data:import does)`,
    `ratio        ${(t.copySeconds / t.imp.seconds).toFixed(2)} of \\copy's rate (target ≥ 0.80); ${(t.deferredCopySeconds / t.imp.seconds).toFixed(2)} of the deferred-keys \\copy's`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const ratio = t.copySeconds / t.imp.seconds;
  recordTarget({
    section: 'import',
    name: `data:import rate / psql \\copy rate at ${t.messages.toLocaleString('en-US')} messages`,
    measured: `${ratio.toFixed(2)}×`,
    target: '≥ 0.8×',
    met: ratio >= 0.8,
  });
}

async function main(): Promise<number> {
  const args = parseCli(
    process.argv.slice(2),
    {
      messages: { type: 'string' },
      'admin-url': { type: 'string' },
      'db-prefix': { type: 'string' },
      keep: { type: 'boolean' },
      quick: { type: 'boolean' },
    },
    USAGE,
  );
  if (args.values.help) return (process.stdout.write(`${USAGE}\n`), 0);
  const messages = intFlag(args.values.messages, 'messages', args.values.quick ? QUICK_MESSAGES : 1_000_000);
  // Like the other sections: BENCH_DATABASE_URL, which defaults to this machine's PostgreSQL.
  const adminUrl = stringFlag(args.values['admin-url'], '') || config().benchDatabaseUrl;
  const prefix = `${stringFlag(args.values['db-prefix'], 'threadbase_bench_')}${randomBytes(3).toString('hex')}`;
  const work = await mkdtemp(join(tmpdir(), 'threadbase-bench-'));
  const names = [`${prefix}_import`, `${prefix}_copy`, `${prefix}_copy_deferred`];
  try {
    process.stderr.write(`generating ${messages} messages in ${work}/store …\n`);
    await generateStore({ dir: join(work, 'store'), messages });
    const importUrl = await freshDatabase(adminUrl, names[0]!);
    const imp = await timeImport(join(work, 'store'), importUrl);
    await dumpTables(importUrl, work);
    const copySeconds = await timePsqlCopy(await freshDatabase(adminUrl, names[1]!), work, false);
    const deferredCopySeconds = await timePsqlCopy(await freshDatabase(adminUrl, names[2]!), work, true);
    const rows = Object.values(imp.report.counts).reduce((a, b) => a + b, 0);
    print({ messages, rows, imp, copySeconds, deferredCopySeconds });
    return 0;
  } finally {
    if (!args.values.keep) {
      for (const name of names) await admin(adminUrl, `drop database if exists "${name}" with (force)`);
      await rm(work, { recursive: true, force: true });
    }
  }
}

runScript(main);
