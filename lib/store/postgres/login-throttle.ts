/**
 * Failed-login throttling in PostgreSQL: one atomic upsert per failure. The failure count restarts
 * when its window has passed; reaching maxFailures sets locked_until. Concurrent failures for the
 * same key serialize on the row, so none is lost.
 */
import type { LoginThrottlePolicy } from '../types.js';
import { rows, type Executor } from './executor.js';
import { iso } from './rows.js';

const GET_LOCK = `select locked_until as "lockedUntil" from login_failures
    where login_key = $1 and locked_until > $2::timestamptz`;

// $1 login key, $2 now, $3 window ms, $4 lock ms, $5 max failures.
const AT = '$2::timestamptz';
const IN_WINDOW = `(lf.window_start > ${AT} - ($3::float8 * interval '1 millisecond'))`;
const FAILURES = `(case when ${IN_WINDOW} then lf.failures + 1 else 1 end)`;
const LOCK_END = `${AT} + ($4::float8 * interval '1 millisecond')`;
const RECORD_FAILURE = `
    insert into login_failures as lf (login_key, failures, window_start, locked_until)
    values ($1, 1, ${AT}, case when 1 >= $5::int then ${LOCK_END} end)
    on conflict (login_key) do update set
      failures = ${FAILURES},
      window_start = case when ${IN_WINDOW} then lf.window_start else ${AT} end,
      locked_until = case when ${FAILURES} >= $5::int then ${LOCK_END} else lf.locked_until end
    returning failures, locked_until as "lockedUntil"`;

export async function getLoginLock(db: Executor, loginKey: string, now: string): Promise<string | null> {
  const [row] = await rows<{ lockedUntil: string }>(db, GET_LOCK, [loginKey, now]);
  return row ? iso(row.lockedUntil) : null;
}

export async function recordLoginFailure(
  db: Executor,
  loginKey: string,
  now: string,
  policy: LoginThrottlePolicy,
): Promise<string | null> {
  const params = [loginKey, now, policy.windowMs, policy.lockMs, policy.maxFailures];
  const [row] = await rows<{ failures: number; lockedUntil: string | null }>(db, RECORD_FAILURE, params);
  if (!row || row.failures < policy.maxFailures || row.lockedUntil === null) return null;
  return iso(row.lockedUntil);
}

export async function clearLoginFailures(db: Executor, loginKey: string): Promise<void> {
  await rows(db, 'delete from login_failures where login_key = $1', [loginKey]);
}
