/**
 * The benchmarks' scratch databases: created under a unique name on a server (BENCH_DATABASE_URL's),
 * migrated, and dropped at the end, so a run never touches data it did not make.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { migrate } from '../db/migrate.js';

export interface ScratchDatabase {
  name: string;
  /** The server's URL with the scratch database as its path. */
  url: string;
  drop(): Promise<void>;
}

export function withDatabase(serverUrl: string, name: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Runs one statement on the server (create/drop database cannot run inside a transaction). */
export async function admin(serverUrl: string, statement: string): Promise<void> {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => undefined });
  try {
    await sql.unsafe(statement);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** A new database `<prefix>_<random>` on `serverUrl`'s server, with every migration applied. */
export async function createScratchDatabase(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await admin(serverUrl, `create database "${name}"`);
  const scratch: ScratchDatabase = {
    name,
    url: withDatabase(serverUrl, name),
    drop: () => admin(serverUrl, `drop database if exists "${name}" with (force)`),
  };
  try {
    await migrate(scratch.url);
  } catch (error) {
    await scratch.drop();
    throw error;
  }
  return scratch;
}
