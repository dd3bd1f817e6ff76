/**
 * Usage counting for the JSON store: the pure decision of whether one more unit fits the
 * user's daily and monthly limits, and the usage.json read-modify-write that applies it. Every
 * count runs under the data directory's write lock (consumeUsage takes it; appendMessage calls
 * consumeLocked while holding it), which is what makes counting atomic across processes.
 */
import type { TierLimits, UsageLimits } from '../../config.js';
import { notFound } from '../../errors.js';
import { dayStart, monthStart, newUsage, nextDayStart, nextMonthStart } from '../../usage/windows.js';
import { assertStorable } from '../../validation/storable-json.js';
import type { ConsumeResult, UsageRecord, UserRecord } from '../types.js';
import type { DataDir } from './data-dir.js';
import { canonicalId, canonicalTime } from './format.js';

const NO_LIMITS: TierLimits = { daily: 0, monthly: 0 };

/** The limits of `tier`; an unknown tier gets the `free` limits (as the PostgreSQL store does). */
export function limitsFor(limits: UsageLimits, tier: string): TierLimits {
  return limits[tier] ?? limits.free ?? NO_LIMITS;
}

/**
 * The row as of `now`. Like rollUsage, but a stored window newer than `now`'s is kept current:
 * a request carrying a slightly older `now` just after midnight must not reset a window that a
 * newer request already rolled (the PostgreSQL store's rule too).
 */
export function currentUsage(row: UsageRecord, now: string): UsageRecord {
  const day = dayStart(now);
  const month = monthStart(now);
  const dailyCurrent = row.dailyWindowStart >= day;
  const monthlyCurrent = row.monthlyWindowStart >= month;
  return {
    ...row,
    dailyUsed: dailyCurrent ? row.dailyUsed : 0,
    dailyWindowStart: dailyCurrent ? row.dailyWindowStart : day,
    monthlyUsed: monthlyCurrent ? row.monthlyUsed : 0,
    monthlyWindowStart: monthlyCurrent ? row.monthlyWindowStart : month,
  };
}

/** Decides `amount` units (default 1; all or nothing) against the user's stored usage row as of `now`. */
export function decideConsume(stored: UsageRecord, limits: UsageLimits, now: string, amount = 1): ConsumeResult {
  const usage = currentUsage(stored, now);
  const { daily, monthly } = limitsFor(limits, usage.tier);
  // Monthly first: when both are used up, the next day's reset would not help.
  if (usage.monthlyUsed + amount > monthly)
    return { allowed: false, usage, exhausted: 'monthly', retryAt: nextMonthStart(now) };
  if (usage.dailyUsed + amount > daily)
    return { allowed: false, usage, exhausted: 'daily', retryAt: nextDayStart(now) };
  return {
    allowed: true,
    usage: {
      ...usage,
      dailyUsed: usage.dailyUsed + amount,
      monthlyUsed: usage.monthlyUsed + amount,
      totalUsed: usage.totalUsed + amount,
    },
  };
}

/**
 * The user's usage rows and the index of theirs. A user without a row (a hand-made or imported
 * directory) gets a fresh one; an unknown user is notFound('User'), as in PostgreSQL.
 */
async function usageRows(data: DataDir, userId: string, now: string): Promise<{ rows: UsageRecord[]; index: number }> {
  const rows = await data.readCollection<UsageRecord>('usage');
  const index = rows.findIndex((row) => row.userId === userId);
  if (index >= 0) return { rows, index };
  const users = await data.readCollection<UserRecord>('users');
  if (!users.some((user) => user.id === userId)) throw notFound('User');
  return { rows: [...rows, newUsage(userId, now)], index: rows.length };
}

/** Consumes `amount` units (default 1) and writes usage.json when allowed. Call inside `data.write`. */
export async function consumeLocked(
  data: DataDir,
  userId: string,
  limits: UsageLimits,
  now: string,
  amount = 1,
): Promise<ConsumeResult> {
  const { rows, index } = await usageRows(data, userId, now);
  const result = decideConsume(rows[index]!, limits, now, amount);
  if (result.allowed) {
    const next = rows.slice();
    next[index] = result.usage;
    await data.writeCollection('usage', next);
  }
  return result;
}

function userIdOf(userId: string): string {
  const id = canonicalId(userId);
  if (id === null) throw notFound('User');
  return id;
}

/** Store#getUsage: nothing is written. */
export async function getUsage(data: DataDir, userId: string, nowInput: string): Promise<UsageRecord> {
  const now = canonicalTime(nowInput, 'now');
  const id = userIdOf(userId);
  return data.read(async () => {
    const { rows, index } = await usageRows(data, id, now);
    return currentUsage(rows[index]!, now);
  });
}

/** Store#consumeUsage: atomic across processes because it runs under the write lock. */
export async function consumeUsage(
  data: DataDir,
  userId: string,
  limits: UsageLimits,
  nowInput: string,
): Promise<ConsumeResult> {
  const now = canonicalTime(nowInput, 'now');
  const id = userIdOf(userId);
  return data.write(() => consumeLocked(data, id, limits, now));
}

export async function setTier(data: DataDir, userId: string, tier: string): Promise<void> {
  assertStorable({ tier });
  const id = userIdOf(userId);
  await data.write(async () => {
    const { rows, index } = await usageRows(data, id, new Date().toISOString());
    const next = rows.slice();
    next[index] = { ...rows[index]!, tier };
    await data.writeCollection('usage', next);
  });
}
