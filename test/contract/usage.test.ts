/**
 * Contract: usage — atomic counting against the passed tier limits, UTC daily/monthly windows,
 * read-only getUsage, tiers.
 */
import { describe, expect, test } from 'vitest';
import type { UsageLimits } from '../../lib/config.js';
import { backendCases } from '../helpers/backends.js';
import { useStore } from '../helpers/contract.js';
import { makeUser } from '../helpers/factories.js';

const limits = (daily: number, monthly: number, pro = { daily: 1000, monthly: 1000 }): UsageLimits => ({
  free: { daily, monthly },
  pro,
});

// Explicit `now` values lie in the future: a window older than the user's creation is never
// current (a store may keep a stored window that is newer than the caller's `now`).
describe.each(backendCases)('%s', (_name, backend) => {
  const store = useStore(backend);

  async function consumeN(userId: string, n: number, l: UsageLimits, now: string) {
    const results = [];
    for (let i = 0; i < n; i++) results.push(await store().consumeUsage(userId, l, now));
    return results;
  }

  test('a new user reads zero usage in the current windows', async () => {
    const user = await makeUser(store());
    expect(await store().getUsage(user.id, '2031-03-10T12:34:56.789Z')).toEqual({
      userId: user.id,
      tier: 'free',
      dailyUsed: 0,
      dailyWindowStart: '2031-03-10T00:00:00.000Z',
      monthlyUsed: 0,
      monthlyWindowStart: '2031-03-01T00:00:00.000Z',
      totalUsed: 0,
    });
  });

  test('counts up to the daily limit, then refuses with the next 00:00 UTC', async () => {
    const user = await makeUser(store());
    const now = '2031-03-10T12:00:00.000Z';
    const results = await consumeN(user.id, 4, limits(3, 100), now);
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results[2]?.usage).toMatchObject({ dailyUsed: 3, monthlyUsed: 3, totalUsed: 3 });
    expect(results[3]).toMatchObject({ allowed: false, exhausted: 'daily', retryAt: '2031-03-11T00:00:00.000Z' });
    expect(results[3]?.usage).toMatchObject({ dailyUsed: 3, monthlyUsed: 3, totalUsed: 3 });
    expect(await store().getUsage(user.id, now)).toMatchObject({ dailyUsed: 3, totalUsed: 3 });
  });

  test('refuses at the monthly limit with the 1st of next month', async () => {
    const user = await makeUser(store());
    const now = '2031-12-31T23:00:00.000Z';
    const results = await consumeN(user.id, 3, limits(100, 2), now);
    expect(results.map((r) => r.allowed)).toEqual([true, true, false]);
    expect(results[2]).toMatchObject({ exhausted: 'monthly', retryAt: '2032-01-01T00:00:00.000Z' });
  });

  test('the daily window rolls at 00:00 UTC', async () => {
    const user = await makeUser(store());
    const l = limits(2, 100);
    await consumeN(user.id, 2, l, '2031-03-10T23:59:59.998Z');
    expect((await store().consumeUsage(user.id, l, '2031-03-10T23:59:59.999Z')).allowed).toBe(false);
    expect(await store().getUsage(user.id, '2031-03-11T00:00:00.000Z')).toMatchObject({
      dailyUsed: 0,
      dailyWindowStart: '2031-03-11T00:00:00.000Z',
      monthlyUsed: 2,
      totalUsed: 2,
    });
    const next = await store().consumeUsage(user.id, l, '2031-03-11T00:00:00.000Z');
    expect(next).toMatchObject({ allowed: true, usage: { dailyUsed: 1, monthlyUsed: 3, totalUsed: 3 } });
  });

  test('the monthly window rolls at 00:00 UTC on the 1st', async () => {
    const user = await makeUser(store());
    const l = limits(100, 2);
    await consumeN(user.id, 2, l, '2031-04-30T23:59:59.999Z');
    expect((await store().consumeUsage(user.id, l, '2031-04-30T23:59:59.999Z')).allowed).toBe(false);
    const next = await store().consumeUsage(user.id, l, '2031-05-01T00:00:00.000Z');
    expect(next).toMatchObject({
      allowed: true,
      usage: { dailyUsed: 1, monthlyUsed: 1, monthlyWindowStart: '2031-05-01T00:00:00.000Z', totalUsed: 3 },
    });
  });

  test('getUsage writes nothing', async () => {
    const user = await makeUser(store());
    const l = limits(10, 100);
    await consumeN(user.id, 2, l, '2031-06-15T10:00:00.000Z');
    expect((await store().getUsage(user.id, '2031-06-16T10:00:00.000Z')).dailyUsed).toBe(0);
    expect((await store().getUsage(user.id, '2031-06-15T11:00:00.000Z')).dailyUsed).toBe(2);
  });

  test('limits come from the passed UsageLimits for the user tier; setTier changes the tier', async () => {
    const user = await makeUser(store());
    const now = '2031-07-01T08:00:00.000Z';
    const l = limits(1, 100, { daily: 3, monthly: 100 });
    expect((await consumeN(user.id, 2, l, now)).map((r) => r.allowed)).toEqual([true, false]);
    await store().setTier(user.id, 'pro');
    expect((await store().getUsage(user.id, now)).tier).toBe('pro');
    expect((await consumeN(user.id, 3, l, now)).map((r) => r.allowed)).toEqual([true, true, false]);
    const raised = limits(1, 100, { daily: 5, monthly: 100 });
    expect((await store().consumeUsage(user.id, raised, now)).allowed).toBe(true);
  });

  test('50 concurrent consumeUsage with 7 remaining → exactly 7 allowed', async () => {
    const user = await makeUser(store());
    const now = '2031-08-20T09:00:00.000Z';
    const l = limits(10, 100);
    await consumeN(user.id, 3, l, now);
    const results = await Promise.all(Array.from({ length: 50 }, () => store().consumeUsage(user.id, l, now)));
    expect(results.filter((r) => r.allowed)).toHaveLength(7);
    expect(await store().getUsage(user.id, now)).toMatchObject({ dailyUsed: 10, monthlyUsed: 10, totalUsed: 10 });
  });
});
