/**
 * PgBouncer (transaction pooling) for ops tests, started and stopped through
 * scripts/ci/pgbouncer.sh so tests and CI run the very same configuration.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = path.resolve(fileURLToPath(new URL('../../../scripts/ci/pgbouncer.sh', import.meta.url)));

export interface PgBouncer {
  port: number;
  /** URL of `database` through the pooler (any database name works: wildcard entry). */
  url(database: string): string;
  /** PgBouncer's log so far (login attempts name the database). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** Whether the script can run here: PgBouncer installed, or root (it then installs it with apt). */
export function pgbouncerAvailable(): boolean {
  return existsSync('/usr/sbin/pgbouncer') || process.getuid?.() === 0;
}

/** Starts PgBouncer in front of the server of `serverUrl` (user and password are taken from it). */
export async function startPgBouncer(serverUrl: string): Promise<PgBouncer> {
  const { stdout } = await run('bash', [SCRIPT, 'start', serverUrl], { timeout: 180_000 });
  const port = Number(stdout.trim());
  if (!Number.isInteger(port) || port <= 0) throw new Error(`pgbouncer.sh printed no port: ${stdout}`);
  const user = decodeURIComponent(new URL(serverUrl).username || 'postgres');
  // Mirrors run_dir in pgbouncer.sh (${TMPDIR:-/tmp}, as tmpdir() does).
  const logFile = path.join(tmpdir(), `threadbase-pgbouncer-${port}`, 'pgbouncer.log');
  return {
    port,
    url: (database) => `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    log: () => readFile(logFile, 'utf8').catch(() => ''),
    async stop() {
      await run('bash', [SCRIPT, 'stop', String(port)], { timeout: 30_000 });
    },
  };
}
