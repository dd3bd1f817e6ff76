/**
 * Usage counters in PostgreSQL. consumeUsage is ONE conditional UPDATE: the row lock it takes
 * serializes concurrent consumers, and the WHERE clause re-checks the (rolled-over) counters against
 * the tier's limits after the lock, so N concurrent calls against K remaining succeed exactly
 * min(N, K) times from any number of processes.
 *
 * A window counts as current when its stored start is at or after the start computed from `now`
 * (not only equal): a request carrying a slightly older `now` just after midnight must not reset
 * a window a newer request already rolled.
 */
import type { UsageLimits } from '../../config.js';
import { notFound } from '../../errors.js';
import { dayStart, monthStart, nextDayStart, nextMonthStart, rollUsage } from '../../usage/windows.js';
import type { ConsumeResult, UsageRecord } from '../types.js';
import { rows, type Executor } from './executor.js';
import { toUsage } from './rows.js';

const USAGE_COLUMNS = `user_id as "userId", tier, daily_used as "dailyUsed",
  daily_window_start as "dailyWindowStart", monthly_used as "monthlyUsed",
  monthly_window_start as "monthlyWindowStart", total_used as "totalUsed"`;

/** $1 user id. */
export const READ_USAGE = `select ${USAGE_COLUMNS} from usage where user_id = $1`;

const DAILY_CURRENT = '(daily_window_start >= $2::timestamptz)';
const MONTHLY_CURRENT = '(monthly_window_start >= $3::timestamptz)';
/**
 * $1 amount, $2 day start, $3 month start, $4 limits json, $5 free daily, $6 free monthly,
 * $7 user id. An unknown tier gets the free tier's limits.
 */
export const CONSUME_USAGE = `
    update usage set
      daily_used = case when ${DAILY_CURRENT} then daily_used + $1::int else $1::int end,
      daily_window_start = greatest(daily_window_start, $2::timestamptz),
      monthly_used = case when ${MONTHLY_CURRENT} then monthly_used + $1::int else $1::int end,
      monthly_window_start = greatest(monthly_window_start, $3::timestamptz),
      total_used = total_used + $1::int
    where user_id = $7
      and (case when ${DAILY_CURRENT} then daily_used else 0 end) + $1::int <= coalesce(($4::jsonb -> tier ->> 'daily')::int, $5::int)
      and (case when ${MONTHLY_CURRENT} then monthly_used else 0 end) + $1::int <= coalesce(($4::jsonb -> tier ->> 'monthly')::int, $6::int)
    returning ${USAGE_COLUMNS}`;

async function readUsage(db: Executor, userId: string): Promise<UsageRecord> {
  const [row] = await rows<UsageRecord>(db, READ_USAGE, [userId]);
  if (!row) throw notFound('User');
  return toUsage(row);
}

/** Usage as of `now`; passed windows read as 0. Nothing is written. */
export async function getUsage(db: Executor, userId: string, now: string): Promise<UsageRecord> {
  return rollView(await readUsage(db, userId), now);
}

function rollView(row: UsageRecord, now: string): UsageRecord {
  // Same as rollUsage, except a stored window newer than `now`'s is kept (see the header).
  const rolled = rollUsage(row, now);
  return {
    ...rolled,
    dailyUsed: row.dailyWindowStart >= rolled.dailyWindowStart ? row.dailyUsed : 0,
    dailyWindowStart: row.dailyWindowStart > rolled.dailyWindowStart ? row.dailyWindowStart : rolled.dailyWindowStart,
    monthlyUsed: row.monthlyWindowStart >= rolled.monthlyWindowStart ? row.monthlyUsed : 0,
    monthlyWindowStart:
      row.monthlyWindowStart > rolled.monthlyWindowStart ? row.monthlyWindowStart : rolled.monthlyWindowStart,
  };
}

function limitsOf(limits: UsageLimits): { json: string; freeDaily: number; freeMonthly: number } {
  const free = limits.free ?? { daily: 0, monthly: 0 };
  return { json: JSON.stringify(limits), freeDaily: free.daily, freeMonthly: free.monthly };
}

/** Counts `amount` units (default 1) when the tier's daily and monthly limits both allow all of them (unknown tier → free). */
export async function consumeUsage(
  db: Executor,
  userId: string,
  limits: UsageLimits,
  now: string,
  amount = 1,
): Promise<ConsumeResult> {
  const day = dayStart(now);
  const month = monthStart(now);
  const l = limitsOf(limits);
  const params = [amount, day, month, l.json, l.freeDaily, l.freeMonthly, userId];
  const updated = await rows<UsageRecord>(db, CONSUME_USAGE, params);
  const row = updated[0];
  if (row) return { allowed: true, usage: toUsage(row) };
  return refusal(await getUsage(db, userId, now), limits, now, amount);
}

function refusal(current: UsageRecord, limits: UsageLimits, now: string, amount: number): ConsumeResult {
  const tier = limits[current.tier] ?? limits.free ?? { daily: 0, monthly: 0 };
  if (current.monthlyUsed + amount > tier.monthly) {
    return { allowed: false, usage: current, exhausted: 'monthly', retryAt: nextMonthStart(now) };
  }
  return { allowed: false, usage: current, exhausted: 'daily', retryAt: nextDayStart(now) };
}

export async function setTier(db: Executor, userId: string, tier: string): Promise<void> {
  const updated = await rows(db, 'update usage set tier = $2 where user_id = $1 returning user_id', [userId, tier]);
  if (updated.length === 0) throw notFound('User');
}
