/**
 * Contract: login throttling — failures within the window lock the login key after maxFailures,
 * the lock ends after lockMs, clearing forgets failures, keys are independent.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import type { LoginThrottlePolicy } from '../../lib/store/types.js';
import { backendCases } from '../helpers/backends.js';
import { useStore } from '../helpers/contract.js';
import { addMs, clock } from '../helpers/factories.js';

const policy: LoginThrottlePolicy = { maxFailures: 3, windowMs: 60_000, lockMs: 300_000 };
const key = () => `user-${randomUUID()}@example.test`;

describe.each(backendCases)('%s', (_name, backend) => {
  const store = useStore(backend);

  test('an unknown key is not locked', async () => {
    expect(await store().getLoginLock(key(), new Date().toISOString())).toBeNull();
  });

  test('locks after maxFailures; the lock ends after lockMs', async () => {
    const k = key();
    const tick = clock('2026-05-05T10:00:00.000Z', 1000);
    expect(await store().recordLoginFailure(k, tick(), policy)).toBeNull();
    expect(await store().recordLoginFailure(k, tick(), policy)).toBeNull();
    expect(await store().getLoginLock(k, tick())).toBeNull();
    const third = tick();
    const lockEnd = addMs(third, policy.lockMs);
    expect(await store().recordLoginFailure(k, third, policy)).toBe(lockEnd);
    expect(await store().getLoginLock(k, addMs(third, 1))).toBe(lockEnd);
    expect(await store().getLoginLock(k, addMs(lockEnd, -1))).toBe(lockEnd);
    expect(await store().getLoginLock(k, addMs(lockEnd, 1))).toBeNull();
    // After the lock, counting starts over: one failure does not lock again.
    expect(await store().recordLoginFailure(k, addMs(lockEnd, 2), policy)).toBeNull();
    expect(await store().getLoginLock(k, addMs(lockEnd, 3))).toBeNull();
  });

  test('failures outside the window do not add up', async () => {
    const k = key();
    const t0 = '2026-05-05T11:00:00.000Z';
    await store().recordLoginFailure(k, t0, policy);
    await store().recordLoginFailure(k, addMs(t0, 1000), policy);
    const later = addMs(t0, policy.windowMs + 5000);
    expect(await store().recordLoginFailure(k, later, policy)).toBeNull();
    expect(await store().getLoginLock(k, addMs(later, 1))).toBeNull();
  });

  test('clearLoginFailures forgets failures', async () => {
    const k = key();
    const tick = clock('2026-05-05T12:00:00.000Z', 1000);
    await store().recordLoginFailure(k, tick(), policy);
    await store().recordLoginFailure(k, tick(), policy);
    await store().clearLoginFailures(k);
    expect(await store().recordLoginFailure(k, tick(), policy)).toBeNull();
    expect(await store().recordLoginFailure(k, tick(), policy)).toBeNull();
    expect(await store().getLoginLock(k, tick())).toBeNull();
    await store().clearLoginFailures(key());
  });

  test('keys are independent', async () => {
    const a = key();
    const b = key();
    const tick = clock('2026-05-05T13:00:00.000Z', 1000);
    for (let i = 0; i < 3; i++) await store().recordLoginFailure(a, tick(), policy);
    const t = tick();
    expect(await store().getLoginLock(a, t)).not.toBeNull();
    expect(await store().getLoginLock(b, t)).toBeNull();
  });

  test('concurrent failures are all counted', async () => {
    const k = key();
    const t = '2026-05-05T14:00:00.000Z';
    const results = await Promise.all(Array.from({ length: 10 }, () => store().recordLoginFailure(k, t, policy)));
    expect(results.filter((r) => r !== null).length).toBeGreaterThanOrEqual(1);
    expect(await store().getLoginLock(k, addMs(t, 1))).toBe(addMs(t, policy.lockMs));
  });
});
