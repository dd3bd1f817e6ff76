/**
 * /api/health figures for PostgreSQL: round-trip latency of `select 1`, pool figures (see
 * db/client.ts for how they are counted) and migrations applied/pending.
 */
import { sql } from 'drizzle-orm';
import type { DbClient } from '../../../db/client.js';
import { readApplied, statusOf } from '../../../db/migration-status.js';
import type { HealthReport } from '../types.js';

export async function health(client: DbClient): Promise<HealthReport> {
  const started = performance.now();
  await client.db.execute(sql`select 1`);
  const latencyMs = Math.round((performance.now() - started) * 10) / 10;
  const [pool, applied] = await Promise.all([client.pool(), readApplied(client.sql)]);
  const status = statusOf(applied);
  return {
    storage: 'postgres',
    latencyMs,
    pool,
    migrations: { applied: status.applied.length, pending: status.pending.length },
  };
}
