/**
 * The one place that chooses the storage backend: DATABASE_URL set → PostgreSQL, else the JSON
 * store in DATA_DIR (read-only on Vercel, where the filesystem would lose writes). The choice is
 * made once per process, logged once, and never changes at run time (DESIGN.md: no fallback).
 * Backends are imported lazily so a JSON deployment never loads postgres.js and Drizzle.
 */
import { config } from '../config.js';
import { describeUrlText } from '../database-url.js';
import { logger } from '../log.js';
import type { Store } from './types.js';

let current: Promise<Store> | undefined;

async function createStore(): Promise<Store> {
  const cfg = config();
  if (cfg.databaseUrl !== undefined) {
    const { createPostgresStore } = await import('./postgres/index.js');
    logger.info('storage selected', { storage: 'postgres', database: describeUrlText(cfg.databaseUrl) });
    return createPostgresStore({
      url: cfg.databaseUrl,
      poolMax: cfg.db.poolMax,
      prepare: cfg.db.prepare,
      idleTimeoutSeconds: cfg.db.idleTimeoutSeconds,
      connectTimeoutSeconds: cfg.db.connectTimeoutSeconds,
      statementTimeoutMs: cfg.db.statementTimeoutMs,
      slowQueryMs: cfg.db.slowQueryMs,
    });
  }
  const { createJsonStore } = await import('./json/index.js');
  logger.info('storage selected', { storage: 'json', dataDir: cfg.dataDir, readOnly: cfg.onVercel });
  return createJsonStore({
    dataDir: cfg.dataDir,
    readOnly: cfg.onVercel,
    maxConversationBytes: cfg.jsonStoreMaxConversationBytes,
    cacheBytes: cfg.jsonStoreCacheBytes,
  });
}

/** The process's store, created on first use and reused across warm invocations. */
export function getStore(): Promise<Store> {
  if (!current) {
    const creating = createStore();
    current = creating;
    // A failed creation must not be cached forever: the next request tries again.
    creating.catch(() => {
      if (current === creating) current = undefined;
    });
  }
  return current;
}

/** Makes `getStore()` return `store` (tests running handlers in-process). */
export function setStoreForTests(store: Store): void {
  current = Promise.resolve(store);
}

/** Closes the current store, if any; the next `getStore()` creates a fresh one. */
export async function closeStore(): Promise<void> {
  const closing = current;
  current = undefined;
  if (!closing) return;
  const store = await closing.catch(() => undefined);
  await store?.close();
}

/** Which backend the configuration selects, without creating it. */
export function configuredStorage(): Store['kind'] {
  return config().databaseUrl !== undefined ? 'postgres' : 'json';
}

/** E.g. `json at ./data` or `postgres at 127.0.0.1:5432/threadbase` (no credentials). */
export function describeStorage(): string {
  const cfg = config();
  return cfg.databaseUrl !== undefined ? `postgres at ${describeUrlText(cfg.databaseUrl)}` : `json at ${cfg.dataDir}`;
}
