/**
 * Usage windows in UTC: the daily window starts at 00:00 UTC, the monthly one at 00:00 UTC on
 * the 1st. Both stores use these so the backends agree on when a window rolls over.
 */
import type { UsageRecord } from '../store/types.js';

/** `toISOString()` form (`2026-11-22T14:37:00.123Z`), whose date fields can be read off the text. */
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

export function dayStart(now: string): string {
  if (ISO_UTC.test(now)) return `${now.slice(0, 10)}T00:00:00.000Z`;
  const d = new Date(now);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())).toISOString();
}

export function monthStart(now: string): string {
  if (ISO_UTC.test(now)) return `${now.slice(0, 7)}-01T00:00:00.000Z`;
  const d = new Date(now);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)).toISOString();
}

export function nextDayStart(now: string): string {
  const d = new Date(dayStart(now));
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}

export function nextMonthStart(now: string): string {
  const d = new Date(monthStart(now));
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString();
}

/** A fresh usage row for a new user. */
export function newUsage(userId: string, now: string, tier = 'free'): UsageRecord {
  return {
    userId,
    tier,
    dailyUsed: 0,
    dailyWindowStart: dayStart(now),
    monthlyUsed: 0,
    monthlyWindowStart: monthStart(now),
    totalUsed: 0,
  };
}

/** The row as of `now`: counters of windows that have passed read as 0. */
export function rollUsage(usage: UsageRecord, now: string): UsageRecord {
  const day = dayStart(now);
  const month = monthStart(now);
  return {
    ...usage,
    dailyUsed: usage.dailyWindowStart === day ? usage.dailyUsed : 0,
    dailyWindowStart: day,
    monthlyUsed: usage.monthlyWindowStart === month ? usage.monthlyUsed : 0,
    monthlyWindowStart: month,
  };
}
