/**
 * npm run bench:import -- [--messages 1000000] [--admin-url postgres://…/postgres] [--db-prefix threadbase_bench_] [--keep]
 *
 * Generates a JSON store, times `data:import` into a fresh migrated database (validation, COPY
 * and verification before COMMIT included), then times `psql \copy` of exactly the same rows into
 * a second fresh migrated database (same tables, indexes and constraints, one transaction), and
 * prints both rates and their ratio. The admin URL defaults to DATABASE_URL's server.
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
import { UsageError, intFlag, parseCli, stringFlag } from '../../lib/cli-args.js';
import { runScript } from '../../lib/data-transfer/cli.js';
import type { ImportReport } from '../../lib/data-transfer/import.js';
import { generateStore } from './generate-store.js';

const run = promisify(execFile);
const USAGE =
  'usage: npm run bench:import -- [--messages 1000000] [--admin-url <postgres url>] [--db-prefix threadbase_bench_] [--keep]';

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

/** Dumps every table of `fromUrl` to COPY text files, then times loading them with psql \copy. */
async function timePsqlCopy(fromUrl: string, toUrl: string, work: string): Promise<number> {
  const file = (t: string): string => join(work, `${t}.copy`);
  for (const name of TABLE_ORDER) {
    const spec = TABLES[name];
    await run('psql', [
      fromUrl,
      '-v',
      'ON_ERROR_STOP=1',
      '-qc',
      `\\copy ${spec.table} (${columnList(spec)}) to '${file(spec.table)}'`,
    ]);
  }
  const args = [toUrl, '-v', 'ON_ERROR_STOP=1', '-q', '-c', 'begin'];
  for (const name of TABLE_ORDER) {
    const spec = TABLES[name];
    args.push('-c', `\\copy ${spec.table} (${columnList(spec)}) from '${file(spec.table)}'`);
  }
  args.push('-c', 'commit');
  const started = performance.now();
  await run('psql', args, { maxBuffer: 16 * 1024 * 1024 });
  return (performance.now() - started) / 1000;
}

function print(
  messages: number,
  rows: number,
  imp: { seconds: number; report: ImportReport },
  copySeconds: number,
): void {
  const rate = (s: number): number => Math.round(rows / s);
  const lines = [
    `store: ${messages.toLocaleString('en-US')} messages, ${rows.toLocaleString('en-US')} rows in all tables`,
    `data:import  ${imp.seconds.toFixed(1)}s  ${rate(imp.seconds).toLocaleString('en-US')} rows/s  (validation + COPY + verification before COMMIT; peak RSS ${imp.report.maxRssMb ?? '?'} MB)`,
    `psql \\copy   ${copySeconds.toFixed(1)}s  ${rate(copySeconds).toLocaleString('en-US')} rows/s  (same rows, same schema, one transaction)`,
    `ratio        ${(copySeconds / imp.seconds).toFixed(2)} of COPY's rate (target ≥ 0.50)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(): Promise<number> {
  const args = parseCli(
    process.argv.slice(2),
    {
      messages: { type: 'string' },
      'admin-url': { type: 'string' },
      'db-prefix': { type: 'string' },
      keep: { type: 'boolean' },
    },
    USAGE,
  );
  if (args.values.help) return (process.stdout.write(`${USAGE}\n`), 0);
  const messages = intFlag(args.values.messages, 'messages', 1_000_000);
  const adminUrl = stringFlag(args.values['admin-url'], '') || config().databaseUrl;
  if (!adminUrl)
    throw new UsageError(
      `pass --admin-url or set DATABASE_URL (a server where the benchmark may create databases)\n${USAGE}`,
    );
  const prefix = `${stringFlag(args.values['db-prefix'], 'threadbase_bench_')}${randomBytes(3).toString('hex')}`;
  const work = await mkdtemp(join(tmpdir(), 'threadbase-bench-'));
  const names = [`${prefix}_import`, `${prefix}_copy`];
  try {
    process.stderr.write(`generating ${messages} messages in ${work}/store …\n`);
    await generateStore({ dir: join(work, 'store'), messages });
    const importUrl = await freshDatabase(adminUrl, names[0]!);
    const imp = await timeImport(join(work, 'store'), importUrl);
    const copyUrl = await freshDatabase(adminUrl, names[1]!);
    const copySeconds = await timePsqlCopy(importUrl, copyUrl, work);
    print(
      messages,
      Object.values(imp.report.counts).reduce((a, b) => a + b, 0),
      imp,
      copySeconds,
    );
    return 0;
  } finally {
    if (!args.values.keep) {
      for (const name of names) await admin(adminUrl, `drop database if exists "${name}" with (force)`);
      await rm(work, { recursive: true, force: true });
    }
  }
}

runScript(main);
