/**
 * Contract: idempotent writes — a repeated key with the same request hash returns the first
 * result and writes nothing; a different hash conflicts; keys expire after 24 hours and are
 * scoped to the user; a failed write stores no key.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import type { IdempotencyInput, MessageBody } from '../../lib/store/types.js';
import type { UsageLimits } from '../../lib/config.js';
import { backendCases } from '../helpers/backends.js';
import { expectAppError, useStore } from '../helpers/contract.js';
import {
  addMs,
  DAY_MS,
  makeConversation,
  makeMessage,
  makeUser,
  newConversation,
  newMessage,
  now,
  unlistedItems,
} from '../helpers/factories.js';

const limits: UsageLimits = { free: { daily: 10, monthly: 100 }, pro: { daily: 10, monthly: 100 } };
const idem = (requestHash: string, at = now(), key = `key-${randomUUID()}`): IdempotencyInput => ({
  key,
  requestHash,
  now: at,
});

describe.each(backendCases)('%s', (_name, backend) => {
  const store = useStore(backend);

  test('createConversation replay: same value, replayed true, nothing written', async () => {
    const user = await makeUser(store());
    const first = idem('hash-a');
    const original = await store().createConversation(newConversation(user.id), first);
    expect(original.replayed).toBe(false);
    const retry = newConversation(user.id);
    const replay = await store().createConversation(retry, { ...first, now: now() });
    expect(replay).toEqual({ value: original.value, replayed: true });
    expect(await store().getConversation(user.id, retry.id)).toBeNull();
    expect((await store().listConversations(user.id, { limit: 10 })).items).toEqual([original.value]);
  });

  test('same key with a different request hash → 409 conflict, nothing written', async () => {
    const user = await makeUser(store());
    const first = idem('hash-a');
    await store().createConversation(newConversation(user.id), first);
    const other = newConversation(user.id);
    await expectAppError(store().createConversation(other, { ...first, requestHash: 'hash-b' }), {
      status: 409,
      code: 'conflict',
    });
    expect(await store().getConversation(user.id, other.id)).toBeNull();
  });

  test('after 24 hours the key is treated as new', async () => {
    const user = await makeUser(store());
    const first = idem('hash-a', '2026-02-01T10:00:00.000Z');
    const original = await store().createConversation(newConversation(user.id), first);
    const later = newConversation(user.id);
    const again = await store().createConversation(later, { ...first, now: addMs(first.now, DAY_MS + 1) });
    expect(again).toEqual({
      value: { ...later, updatedAt: later.createdAt, messageCount: 0, archived: false },
      replayed: false,
    });
    expect(again.value.id).not.toBe(original.value.id);
  });

  test('keys are scoped to the user', async () => {
    const alice = await makeUser(store());
    const bob = await makeUser(store());
    const first = idem('hash-a');
    await store().createConversation(newConversation(alice.id), first);
    const bobs = newConversation(bob.id);
    expect(await store().createConversation(bobs, first)).toMatchObject({ replayed: false, value: { id: bobs.id } });
  });

  test('appendMessage replay: same message, nothing written, no quota consumed', async () => {
    const user = await makeUser(store());
    const conversation = await makeConversation(store(), user.id);
    const t = now();
    const first = idem('hash-m', t);
    const message = newMessage(conversation.id);
    const original = await store().appendMessage(user.id, message, { quota: { limits, now: t }, idempotency: first });
    expect(original).toEqual({ value: message, replayed: false });
    const retry = newMessage(conversation.id);
    const replay = await store().appendMessage(user.id, retry, { quota: { limits, now: t }, idempotency: first });
    expect(replay).toEqual({ value: message, replayed: true });
    expect((await store().getConversation(user.id, conversation.id))?.messageCount).toBe(1);
    expect(unlistedItems(await store().listMessages(user.id, conversation.id, { limit: 10 }))).toEqual([message]);
    expect((await store().getUsage(user.id, t)).dailyUsed).toBe(1);
  });

  test('appendMessage with a different request hash → 409 conflict', async () => {
    const user = await makeUser(store());
    const conversation = await makeConversation(store(), user.id);
    const first = idem('hash-m');
    await store().appendMessage(user.id, newMessage(conversation.id), { idempotency: first });
    await expectAppError(
      store().appendMessage(user.id, newMessage(conversation.id), { idempotency: { ...first, requestHash: 'other' } }),
      { status: 409, code: 'conflict' },
    );
    expect((await store().getConversation(user.id, conversation.id))?.messageCount).toBe(1);
  });

  test('10 concurrent createConversation with one key → one conversation, the rest replay or conflict', async () => {
    const user = await makeUser(store());
    const first = idem('hash-c');
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => store().createConversation(newConversation(user.id), first)),
    );
    const listed = (await store().listConversations(user.id, { limit: 100 })).items;
    expect(listed).toHaveLength(1);
    const fresh = results.filter((r) => r.status === 'fulfilled' && !r.value.replayed);
    expect(fresh).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'fulfilled') expect(r.value.value).toEqual(listed[0]);
      else expect(r.reason).toMatchObject({ status: 409, code: 'conflict' });
    }
  });

  test('10 concurrent appendMessage with one key → one message, one unit of quota', async () => {
    const user = await makeUser(store());
    const conversation = await makeConversation(store(), user.id);
    const t = now();
    const first = idem('hash-d', t);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        store().appendMessage(user.id, newMessage(conversation.id), { quota: { limits, now: t }, idempotency: first }),
      ),
    );
    const messages = unlistedItems(await store().listMessages(user.id, conversation.id, { limit: 100 })) ?? [];
    expect(messages).toHaveLength(1);
    expect((await store().getConversation(user.id, conversation.id))?.messageCount).toBe(1);
    expect((await store().getUsage(user.id, t)).dailyUsed).toBe(1);
    for (const r of results) {
      if (r.status === 'fulfilled') expect(r.value.value).toEqual(messages[0]);
      else expect(r.reason).toMatchObject({ status: 409, code: 'conflict' });
    }
  });

  test('a failed write stores no key: the retry after the cause is fixed writes', async () => {
    const user = await makeUser(store());
    const input = newConversation(user.id);
    const first = idem('hash-x');
    const message = newMessage(input.id);
    await expectAppError(store().appendMessage(user.id, message, { idempotency: first }), {
      status: 404,
      code: 'not_found',
    });
    await store().createConversation(input);
    expect(await store().appendMessage(user.id, message, { idempotency: first })).toEqual({
      value: message,
      replayed: false,
    });
  });

  test('replaceMessages retried after the stored list changed: the key is checked first, the first response replays', async () => {
    const user = await makeUser(store());
    const c = await makeConversation(store(), user.id);
    for (const id of ['a', 'b']) await makeMessage(store(), user.id, c.id, { id, content: `content of ${id}` });
    const body = (id: string): MessageBody => ({
      id,
      role: 'user',
      content: `content of ${id}`,
      parts: null,
      metadata: {},
    });
    const list = [body('a'), body('b'), body('c')];
    const key = idem('hash-put');
    const first = await store().replaceMessages(user.id, c.id, list, { now: key.now, idempotency: key });
    expect(first.replayed).toBe(false);
    // Without a key, a later write drops 'a': the same list now puts a new 'a' before stored 'b' (a 409 if planned).
    await store().replaceMessages(user.id, c.id, [body('b'), body('c')], { now: now() });
    const unkeyed = store().replaceMessages(user.id, c.id, list, { now: now() });
    await expectAppError(unkeyed, { status: 409, code: 'conflict' });
    const retry = await store().replaceMessages(user.id, c.id, list, {
      now: now(),
      idempotency: { ...key, now: now() },
    });
    expect(retry).toEqual({ value: first.value, replayed: true });
    const stored = (await store().listMessages(user.id, c.id, { limit: 10 }))!.items;
    expect(stored.map((m) => m.id)).toEqual(['b', 'c']);
  });
});
