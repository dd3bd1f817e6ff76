/**
 * /api/health figures for PostgreSQL: round-trip latency of `select 1`, pool figures (see
 * db/client.ts for how they are counted) and migrations applied/pending (db/migration-status.ts,
 * which needs no Drizzle: a cold health check loads none of it).
 */
import type { DbClient } from '../../../db/client.js';
import { readApplied, statusOf } from '../../../db/migration-status.js';
import type { HealthReport } from '../types.js';
import { rows, type Db } from './executor.js';

/** Figures of `client`, its statements run on `db` (the pool, or a request's view of it). */
export async function health(client: DbClient, db: Db): Promise<HealthReport> {
  const started = performance.now();
  await rows(db, 'select 1', []);
  const latencyMs = Math.round((performance.now() - started) * 10) / 10;
  const [pool, applied] = await Promise.all([client.pool(db), readApplied(db)]);
  const status = statusOf(applied);
  return {
    storage: 'postgres',
    latencyMs,
    pool,
    migrations: { applied: status.applied.length, pending: status.pending.length },
  };
}
