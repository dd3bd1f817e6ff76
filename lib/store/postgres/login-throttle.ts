/**
 * Failed-login throttling in PostgreSQL: one atomic upsert per failure. The failure count restarts
 * when its window has passed; reaching maxFailures sets locked_until. Concurrent failures for the
 * same key serialize on the row, so none is lost.
 */
import { sql } from 'drizzle-orm';
import type { LoginThrottlePolicy } from '../types.js';
import type { Executor } from './executor.js';
import { iso } from './rows.js';

const ms = (n: number) => sql`(${n}::float8 * interval '1 millisecond')`;

export async function getLoginLock(db: Executor, loginKey: string, now: string): Promise<string | null> {
  const [row] = await db.execute<{ lockedUntil: string }>(sql`
    select locked_until as "lockedUntil" from login_failures
    where login_key = ${loginKey} and locked_until > ${now}::timestamptz`);
  return row ? iso(row.lockedUntil) : null;
}

export async function recordLoginFailure(
  db: Executor,
  loginKey: string,
  now: string,
  policy: LoginThrottlePolicy,
): Promise<string | null> {
  const at = sql`${now}::timestamptz`;
  const inWindow = sql`(lf.window_start > ${at} - ${ms(policy.windowMs)})`;
  const failures = sql`(case when ${inWindow} then lf.failures + 1 else 1 end)`;
  const lockEnd = sql`${at} + ${ms(policy.lockMs)}`;
  const [row] = await db.execute<{ failures: number; lockedUntil: string | null }>(sql`
    insert into login_failures as lf (login_key, failures, window_start, locked_until)
    values (${loginKey}, 1, ${at}, case when 1 >= ${policy.maxFailures}::int then ${lockEnd} end)
    on conflict (login_key) do update set
      failures = ${failures},
      window_start = case when ${inWindow} then lf.window_start else ${at} end,
      locked_until = case when ${failures} >= ${policy.maxFailures}::int then ${lockEnd} else lf.locked_until end
    returning failures, locked_until as "lockedUntil"`);
  if (!row || row.failures < policy.maxFailures || row.lockedUntil === null) return null;
  return iso(row.lockedUntil);
}

export async function clearLoginFailures(db: Executor, loginKey: string): Promise<void> {
  await db.execute(sql`delete from login_failures where login_key = ${loginKey}`);
}
