/**
 * The API's Usage shape: the stored counters as of now, with the limits of the user's tier from
 * configuration and the moments the windows reset.
 */
import { z } from 'zod';
import { config, type UsageLimits } from '../config.js';
import type { Store, UsageRecord } from '../store/types.js';
import { isoTimestamp } from '../validation/resource-fields.js';
import { nextDayStart, nextMonthStart, rollUsage } from './windows.js';

const usageWindow = z.object({ used: z.number().int(), limit: z.number().int(), resetsAt: isoTimestamp });
export const usageView = z.object({
  tier: z.string(),
  daily: usageWindow,
  monthly: usageWindow,
  total: z.number().int(),
});
export type UsageView = z.infer<typeof usageView>;

/** Limits for a tier; an unknown tier gets the free tier's limits. */
export function tierLimits(limits: UsageLimits, tier: string): { daily: number; monthly: number } {
  return limits[tier] ?? limits.free ?? { daily: 0, monthly: 0 };
}

export function presentUsage(record: UsageRecord, now: string, limits: UsageLimits = config().usageLimits): UsageView {
  const usage = rollUsage(record, now);
  const tier = tierLimits(limits, usage.tier);
  return {
    tier: usage.tier,
    daily: { used: usage.dailyUsed, limit: tier.daily, resetsAt: nextDayStart(now) },
    monthly: { used: usage.monthlyUsed, limit: tier.monthly, resetsAt: nextMonthStart(now) },
    total: usage.totalUsed,
  };
}

/** GET /api/usage: the caller's usage as of `now`. */
export async function getUsageView(store: Store, userId: string, now: string): Promise<UsageView> {
  return presentUsage(await store.getUsage(userId, now), now);
}
