/**
 * A PostgreSQL server owned by one ops test, which it may stop and start again mid-test (the
 * shared test server must never be stopped). A stop keeps the data directory (test/setup/pg-cluster.ts);
 * `destroy()` removes it at the end.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../helpers/net.js';
import { createCluster } from '../../setup/pg-cluster.js';

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
  const port = await freePort();
  const password = `ops-${Math.random().toString(36).slice(2)}`;
  const cluster = await createCluster({
    port,
    password,
    prefix: 'threadbase-ops-pg-',
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=100'],
  });
  let frozen: number[] = [];
  const processes = async (): Promise<number[]> => {
    const postmaster = Number((await readFile(join(cluster.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const children = await readFile(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8').catch(() => '');
    return [postmaster, ...children.split(/\s+/).filter(Boolean).map(Number)];
  };
  try {
    await cluster.start();
  } catch (error) {
    const log = cluster.log();
    await cluster.destroy();
    throw new Error(`embedded PostgreSQL failed to start:\n${log}`, { cause: error });
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => cluster.stop(),
    start: () => cluster.start(),
    async freeze() {
      frozen = await processes();
      for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    },
    async thaw() {
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
      frozen = [];
    },
    log: () => cluster.log(),
    async destroy() {
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
      frozen = [];
      await cluster.destroy();
    },
  };
}
