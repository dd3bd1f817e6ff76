/**
 * The JSON store's usage decision, checked without files: window roll-over rules shared with
 * the PostgreSQL store (including a late request carrying an older `now`), limits by tier.
 */
import { expect, test } from 'vitest';
import { currentUsage, decideConsume, limitsFor } from '../../lib/store/json/usage-rules.js';
import { newUsage } from '../../lib/usage/windows.js';

const USER = '00000000-0000-4000-8000-000000000001';
const limits = { free: { daily: 2, monthly: 3 }, pro: { daily: 10, monthly: 100 } };

test('an unknown tier gets the free limits', () => {
  expect(limitsFor(limits, 'enterprise')).toEqual(limits.free);
});

test('daily refusal names the next 00:00 UTC; monthly wins when both are used up', () => {
  const row = { ...newUsage(USER, '2026-11-24T10:00:00.000Z'), dailyUsed: 2, monthlyUsed: 2 };
  expect(decideConsume(row, limits, '2026-11-24T10:00:00.000Z')).toMatchObject({
    allowed: false,
    exhausted: 'daily',
    retryAt: '2026-11-25T00:00:00.000Z',
  });
  expect(decideConsume({ ...row, monthlyUsed: 3 }, limits, '2026-11-24T10:00:00.000Z')).toMatchObject({
    allowed: false,
    exhausted: 'monthly',
    retryAt: '2026-12-01T00:00:00.000Z',
  });
});

test('a new day resets the daily counter only; a late request with an older now does not reset it back', () => {
  const row = { ...newUsage(USER, '2026-11-24T23:59:59.000Z'), dailyUsed: 2, monthlyUsed: 2, totalUsed: 2 };
  const next = decideConsume(row, limits, '2026-11-25T00:00:00.001Z');
  expect(next).toMatchObject({ allowed: true, usage: { dailyUsed: 1, monthlyUsed: 3, totalUsed: 3 } });
  const rolled = next.usage;
  expect(currentUsage(rolled, '2026-11-24T23:59:59.999Z')).toEqual(rolled);
});
