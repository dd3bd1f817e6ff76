/**
 * Contract: several store instances on the same storage (as serverless instances or processes
 * would have) see each other's writes, survive a close/reopen, and count usage atomically across
 * instances; concurrent writers cannot create duplicate users.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { UsageLimits } from '../../lib/config.js';
import type { Store } from '../../lib/store/types.js';
import { backendCases, type BackendInstance } from '../helpers/backends.js';
import { expectAppError } from '../helpers/contract.js';
import {
  makeConversation,
  makeMessage,
  makeUser,
  newConversation,
  newUser,
  unlistedItems,
} from '../helpers/factories.js';

describe.each(backendCases)('%s', (_name, backend) => {
  let instance: BackendInstance;
  let second: Store;
  beforeAll(async () => {
    instance = await backend.create();
    second = instance.openAnother();
  });
  afterAll(async () => {
    await second?.close();
    await instance?.cleanup();
  });

  test("one instance reads another's writes", async () => {
    const user = await makeUser(instance.store);
    const conversation = await makeConversation(instance.store, user.id);
    const message = await makeMessage(instance.store, user.id, conversation.id);
    expect(await second.getUserById(user.id)).toEqual(user);
    expect(await second.getConversation(user.id, conversation.id)).toMatchObject({ messageCount: 1 });
    expect(unlistedItems(await second.listMessages(user.id, conversation.id, { limit: 10 }))).toEqual([message]);
  });

  test('data survives closing and reopening the store', async () => {
    const reopened = instance.openAnother();
    const user = await makeUser(reopened);
    const conversation = await makeConversation(reopened, user.id);
    await reopened.close();
    const again = instance.openAnother();
    try {
      expect(await again.getConversation(user.id, conversation.id)).toEqual(conversation);
    } finally {
      await again.close();
    }
  });

  test('concurrent consumeUsage across two instances: 60 calls, 9 remaining → exactly 9', async () => {
    const user = await makeUser(instance.store);
    const limits: UsageLimits = { free: { daily: 9, monthly: 100 }, pro: { daily: 9, monthly: 100 } };
    const now = '2031-09-09T09:00:00.000Z';
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? instance.store : second).consumeUsage(user.id, limits, now)),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(9);
    expect((await instance.store.getUsage(user.id, now)).dailyUsed).toBe(9);
  });

  test('an idempotency key stored through one instance replays through another', async () => {
    const user = await makeUser(instance.store);
    const idempotency = { key: `k-${user.id}`, requestHash: 'h', now: new Date().toISOString() };
    const first = await instance.store.createConversation(newConversation(user.id), idempotency);
    const again = await second.createConversation(newConversation(user.id), idempotency);
    expect(again).toEqual({ value: first.value, replayed: true });
  });

  test('login failures through two instances add up', async () => {
    const key = `login-${newUser().username}`;
    const policy = { maxFailures: 4, windowMs: 60_000, lockMs: 60_000 };
    const t = '2031-10-10T10:00:00.000Z';
    await Promise.all(
      [0, 1, 2, 3].map((i) => (i % 2 === 0 ? instance.store : second).recordLoginFailure(key, t, policy)),
    );
    expect(await second.getLoginLock(key, t)).not.toBeNull();
    expect(await instance.store.getLoginLock(key, t)).not.toBeNull();
  });

  test('concurrent registrations of one email (any case) → exactly one user', async () => {
    const base = newUser();
    const attempts = Array.from({ length: 10 }, (_, i) =>
      newUser({ email: i % 2 === 0 ? base.email : base.email.toUpperCase() }),
    );
    const results = await Promise.allSettled(
      attempts.map((u, i) => (i % 2 === 0 ? instance.store : second).createUser(u)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const [i, r] of results.entries()) {
      if (r.status === 'rejected') {
        await expectAppError(Promise.reject(r.reason), { status: 409, code: 'conflict', path: 'email' });
        expect(await instance.store.getUserById(attempts[i]!.id)).toBeNull();
      }
    }
  });
});
