/**
 * Helpers for the data-transfer tests: temporary directories, a migrated database per test with
 * the tools' own connection, the data scripts run as real child processes, and row counts.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { closeTransferDb, openTransferDb, type Sql } from '../../lib/data-transfer/db.js';
import { dbCounts } from '../../lib/data-transfer/db-checksum.js';
import type { TableName } from '../../lib/data-transfer/canonical-row.js';

export interface Scratch {
  db: TestDatabase;
  sql: Sql;
  dirs: string[];
  dir(label: string): Promise<string>;
  cleanup(): Promise<void>;
}

/** A fresh migrated database plus temporary directories, all removed by cleanup(). */
export async function scratch(): Promise<Scratch> {
  const db = await createTestDatabase();
  const sql = openTransferDb(db.url);
  const dirs: string[] = [];
  return {
    db,
    sql,
    dirs,
    async dir(label) {
      const d = await mkdtemp(join(tmpdir(), `tb-data-${label}-`));
      dirs.push(d);
      return d;
    },
    async cleanup() {
      await closeTransferDb(sql);
      await db.drop();
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh Scratch for every test of the calling describe block: created before each test and
 * cleaned up after it (after the block's own afterEach hooks, which run first).
 */
export function useScratch(): Scratch {
  let current: Scratch | undefined;
  beforeEach(async () => {
    current = await scratch();
  });
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });
  const now = (): Scratch => {
    if (!current) throw new Error('useScratch(): the scratch exists only while a test runs');
    return current;
  };
  return {
    get db() {
      return now().db;
    },
    get sql() {
      return now().sql;
    },
    get dirs() {
      return now().dirs;
    },
    dir: (label) => now().dir(label),
    cleanup: () => now().cleanup(),
  };
}

export const counts = (sql: Sql): Promise<Record<TableName, number>> => dbCounts(sql);

export const totalRows = async (sql: Sql): Promise<number> =>
  Object.values(await counts(sql)).reduce((a, b) => a + b, 0);

export interface ScriptResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `scripts/<name>.ts` in a child process with DATABASE_URL (and `env`) set. */
export function startScript(
  name: string,
  args: string[],
  databaseUrl: string,
  env: NodeJS.ProcessEnv = {},
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', join('scripts', `${name}.ts`), ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl, NODE_ENV: 'test', ...env },
  });
}

/** Runs a data script to completion. */
export function runScript(
  name: string,
  args: string[],
  databaseUrl: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ScriptResult> {
  const child = startScript(name, args, databaseUrl, env);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export async function readJsonFile<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  await writeFile(file, JSON.stringify(value, null, 2));
}
