/**
 * Usage counting for the JSON store: the pure decision of whether one more unit fits the
 * user's daily and monthly limits, and the usage.json read-modify-write that applies it.
 * The caller holds the write lock, which is what makes counting atomic across processes.
 */
import { DEFAULT_USAGE_LIMITS, type TierLimits, type UsageLimits } from '../../config.js';
import { rateLimited, type AppError } from '../../errors.js';
import { newUsage, nextDayStart, nextMonthStart, rollUsage } from '../../usage/windows.js';
import type { ConsumeResult, UsageRecord } from '../types.js';
import type { DataDir } from './data-dir.js';

/** The limits of `tier`; an unknown tier gets the `free` limits. */
export function limitsFor(limits: UsageLimits, tier: string): TierLimits {
  return limits[tier] ?? limits.free ?? DEFAULT_USAGE_LIMITS.free!;
}

/** Decides one unit against `usage` (the stored row, or none yet) as of `now`. */
export function decideConsume(
  stored: UsageRecord | undefined,
  userId: string,
  limits: UsageLimits,
  now: string,
): ConsumeResult {
  const usage = rollUsage(stored ?? newUsage(userId, now), now);
  const { daily, monthly } = limitsFor(limits, usage.tier);
  // Monthly first: when both are used up, the next day's reset would not help.
  if (usage.monthlyUsed >= monthly) return { allowed: false, usage, exhausted: 'monthly', retryAt: nextMonthStart(now) };
  if (usage.dailyUsed >= daily) return { allowed: false, usage, exhausted: 'daily', retryAt: nextDayStart(now) };
  return {
    allowed: true,
    usage: { ...usage, dailyUsed: usage.dailyUsed + 1, monthlyUsed: usage.monthlyUsed + 1, totalUsed: usage.totalUsed + 1 },
  };
}

/** The 429 for a refused unit, with Retry-After counting down to the window's reset. */
export function quotaError(result: Extract<ConsumeResult, { allowed: false }>, now: string): AppError {
  const seconds = (Date.parse(result.retryAt) - Date.parse(now)) / 1000;
  return rateLimited(seconds, `The ${result.exhausted} message limit is used up; it resets at ${result.retryAt}.`);
}

/** Consumes one unit and writes usage.json when allowed. Call inside `data.write`. */
export async function consumeLocked(data: DataDir, userId: string, limits: UsageLimits, now: string): Promise<ConsumeResult> {
  const rows = await data.readCollection<UsageRecord>('usage');
  const index = rows.findIndex((row) => row.userId === userId);
  const result = decideConsume(rows[index], userId, limits, now);
  if (result.allowed) {
    const next = rows.slice();
    if (index >= 0) next[index] = result.usage;
    else next.push(result.usage);
    await data.writeCollection('usage', next);
  }
  return result;
}

export async function readUsage(data: DataDir, userId: string, now: string): Promise<UsageRecord> {
  const rows = await data.readCollection<UsageRecord>('usage');
  return rollUsage(rows.find((row) => row.userId === userId) ?? newUsage(userId, now), now);
}

export async function setTierLocked(data: DataDir, userId: string, tier: string): Promise<void> {
  const rows = await data.readCollection<UsageRecord>('usage');
  const index = rows.findIndex((row) => row.userId === userId);
  const next = rows.slice();
  if (index >= 0) next[index] = { ...rows[index]!, tier };
  else next.push(newUsage(userId, new Date().toISOString(), tier));
  await data.writeCollection('usage', next);
}
