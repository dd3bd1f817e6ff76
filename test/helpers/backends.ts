/**
 * The storage backends every contract test runs against. `create()` gives a store on fresh,
 * private storage (a cloned PostgreSQL database or a new temp directory), the environment that
 * points a server or child process at that same storage, and a cleanup. The store modules are
 * imported lazily so one backend's suite still runs while the other fails to load.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../lib/store/types.js';
import { createTestDatabase } from './pg.js';

export type BackendName = 'postgres' | 'json';

export interface BackendInstance {
  store: Store;
  /** DATABASE_URL (postgres) or DATA_DIR (json) for a server or child process on this storage. */
  env: Record<string, string>;
  /** Another, independent store on the same storage (its own pool / lock handles); close it yourself. */
  openAnother(): Store;
  /** Closes the store and removes its storage. */
  cleanup(): Promise<void>;
}

export interface Backend {
  name: BackendName;
  create(): Promise<BackendInstance>;
}

/**
 * TEST_POOLER_URL (set by scripts/ci/e2e-through-pgbouncer.sh): a transaction pooler in front of
 * the test server. Databases are still created on the server directly; stores and servers under
 * test connect through the pooler, with prepared statements off as poolers require.
 */
function throughPooler(directUrl: string): { url: string; prepare: boolean } {
  const pooler = process.env.TEST_POOLER_URL;
  if (!pooler) return { url: directUrl, prepare: true };
  const url = new URL(pooler);
  url.pathname = new URL(directUrl).pathname;
  return { url: url.toString(), prepare: false };
}

async function createPostgres(): Promise<BackendInstance> {
  const { createPostgresStore } = await import('../../lib/store/postgres/index.js');
  const db = await createTestDatabase();
  const { url, prepare } = throughPooler(db.url);
  const open = () => createPostgresStore({ url, poolMax: 5, prepare });
  const store = open();
  return {
    store,
    env: prepare ? { DATABASE_URL: url } : { DATABASE_URL: url, DATABASE_PREPARE: 'false' },
    openAnother: open,
    async cleanup() {
      try {
        await store.close();
      } finally {
        await db.drop();
      }
    },
  };
}

/** A fresh empty directory for a JSON store; remove it with `rm(dir, { recursive: true })`. */
export function tempDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'threadbase-json-'));
}

async function createJson(): Promise<BackendInstance> {
  const { createJsonStore } = await import('../../lib/store/json/index.js');
  const dataDir = await tempDataDir();
  const store = createJsonStore({ dataDir });
  return {
    store,
    env: { DATA_DIR: dataDir },
    openAnother: () => createJsonStore({ dataDir }),
    async cleanup() {
      try {
        await store.close();
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}

export const backends: Backend[] = [
  { name: 'postgres', create: createPostgres },
  { name: 'json', create: createJson },
];

/**
 * `[name, backend]` pairs for `describe.each(backendCases)('%s', (_name, backend) => …)`: the
 * block is titled plainly `postgres` / `json` (`$name` on objects would print it quoted).
 */
export const backendCases: [BackendName, Backend][] = backends.map((b) => [b.name, b]);
