/**
 * Contract: messages — append (bumps the conversation, counts, quota in the same transaction),
 * list oldest first with keyset pages, and ownership.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import type { ListedMessage, MessageRecord, Store } from '../../lib/store/types.js';
import type { UsageLimits } from '../../lib/config.js';
import { backendCases } from '../helpers/backends.js';
import { expectAppError, useStore } from '../helpers/contract.js';
import {
  clock,
  makeConversation,
  makeMessage,
  makeUser,
  newMessage,
  now,
  unlisted,
  unlistedItems,
} from '../helpers/factories.js';
import { walkPages } from '../helpers/paging.js';

const ids = (items: { id: string }[]): string[] => items.map((i) => i.id);

function listAll(
  store: Store,
  userId: string,
  conversationId: string,
  limit: number,
  between?: (i: number) => Promise<void>,
) {
  return walkPages(
    (page) => store.listMessages(userId, conversationId, page),
    (m: ListedMessage) => ({ createdAt: m.createdAt, seq: m.seq }),
    limit,
    between,
  );
}

describe.each(backendCases)('%s', (_name, backend) => {
  const store = useStore(backend);

  test('appendMessage returns the message and bumps updatedAt and messageCount', async () => {
    const user = await makeUser(store());
    const conversation = await makeConversation(store(), user.id);
    const first = newMessage(conversation.id, { role: 'user', metadata: { model: 'x', n: 1 } });
    expect(await store().appendMessage(user.id, first)).toEqual({ value: first, replayed: false });
    expect(await store().getConversation(user.id, conversation.id)).toEqual({
      ...conversation,
      updatedAt: first.createdAt,
      messageCount: 1,
    });
    const second = newMessage(conversation.id, { role: 'assistant' });
    await store().appendMessage(user.id, second);
    expect(await store().getConversation(user.id, conversation.id)).toMatchObject({
      updatedAt: second.createdAt,
      messageCount: 2,
    });
    const listed = await store().listMessages(user.id, conversation.id, { limit: 10 });
    expect({ items: unlistedItems(listed), hasMore: listed?.hasMore }).toEqual({
      items: [first, second],
      hasMore: false,
    });
  });

  test('every role is accepted and round-trips', async () => {
    const user = await makeUser(store());
    const conversation = await makeConversation(store(), user.id);
    for (const role of ['user', 'assistant', 'system'] as const) {
      const message = newMessage(conversation.id, { role });
      expect((await store().appendMessage(user.id, message)).value).toEqual(message);
    }
  });

  test('appendMessage to an unknown conversation → 404 not_found', async () => {
    const user = await makeUser(store());
    await expectAppError(store().appendMessage(user.id, newMessage(randomUUID())), { status: 404, code: 'not_found' });
  });

  test("appendMessage to another user's conversation → 404, nothing written", async () => {
    const owner = await makeUser(store());
    const other = await makeUser(store());
    const conversation = await makeConversation(store(), owner.id);
    await expectAppError(store().appendMessage(other.id, newMessage(conversation.id)), {
      status: 404,
      code: 'not_found',
    });
    expect(await store().getConversation(owner.id, conversation.id)).toEqual(conversation);
    expect((await store().listMessages(owner.id, conversation.id, { limit: 10 }))?.items).toEqual([]);
  });

  test("listMessages of an unknown or another user's conversation → null", async () => {
    const owner = await makeUser(store());
    const other = await makeUser(store());
    const conversation = await makeConversation(store(), owner.id);
    await makeMessage(store(), owner.id, conversation.id);
    expect(await store().listMessages(other.id, conversation.id, { limit: 10 })).toBeNull();
    expect(await store().listMessages(owner.id, randomUUID(), { limit: 10 })).toBeNull();
  });

  test('equal createdAt is ordered by position of creation', async () => {
    const user = await makeUser(store());
    const conversation = await makeConversation(store(), user.id);
    const at = now();
    const made: MessageRecord[] = [];
    for (let i = 0; i < 5; i++) made.push(await makeMessage(store(), user.id, conversation.id, { createdAt: at }));
    const expected = ids(made);
    expect(ids((await store().listMessages(user.id, conversation.id, { limit: 10 }))!.items)).toEqual(expected);
    expect(ids((await listAll(store(), user.id, conversation.id, 2)).items)).toEqual(expected);
  });

  test('25 messages in pages of 7: 7, 7, 7, 4, oldest first, nothing repeated or skipped', async () => {
    const user = await makeUser(store());
    const conversation = await makeConversation(store(), user.id);
    const tick = clock();
    const made: MessageRecord[] = [];
    for (let i = 0; i < 25; i++) made.push(await makeMessage(store(), user.id, conversation.id, { createdAt: tick() }));
    const walk = await listAll(store(), user.id, conversation.id, 7);
    expect(walk.pageSizes).toEqual([7, 7, 7, 4]);
    expect(walk.items.map(unlisted)).toEqual(made);
  });

  test('pages neither repeat nor skip when messages are appended between requests', async () => {
    const user = await makeUser(store());
    const conversation = await makeConversation(store(), user.id);
    const tick = clock(Date.now() - 3_600_000, 1000);
    const made: MessageRecord[] = [];
    for (let i = 0; i < 10; i++) made.push(await makeMessage(store(), user.id, conversation.id, { createdAt: tick() }));
    const added: MessageRecord[] = [];
    const walk = await listAll(store(), user.id, conversation.id, 4, async () => {
      added.push(await makeMessage(store(), user.id, conversation.id));
    });
    expect(ids(walk.items)).toEqual(ids([...made, ...added]));
  });

  describe('quota', () => {
    const limits: UsageLimits = { free: { daily: 2, monthly: 100 }, pro: { daily: 5, monthly: 100 } };

    test('consumes usage; exhausted → 429 rate_limited and nothing written', async () => {
      const user = await makeUser(store());
      const conversation = await makeConversation(store(), user.id);
      const t = now();
      await store().appendMessage(user.id, newMessage(conversation.id), { quota: { limits, now: t } });
      await store().appendMessage(user.id, newMessage(conversation.id), { quota: { limits, now: t } });
      expect((await store().getUsage(user.id, t)).dailyUsed).toBe(2);
      const refused = newMessage(conversation.id);
      await expectAppError(store().appendMessage(user.id, refused, { quota: { limits, now: t } }), {
        status: 429,
        code: 'rate_limited',
      });
      const after = await store().getConversation(user.id, conversation.id);
      expect(after?.messageCount).toBe(2);
      expect(after?.updatedAt).not.toBe(refused.createdAt);
      expect(ids((await store().listMessages(user.id, conversation.id, { limit: 10 }))!.items)).not.toContain(
        refused.id,
      );
      expect(await store().getUsage(user.id, t)).toMatchObject({ dailyUsed: 2, monthlyUsed: 2, totalUsed: 2 });
    });

    test('refusal carries Retry-After', async () => {
      const user = await makeUser(store());
      const conversation = await makeConversation(store(), user.id);
      const t = now();
      const tight: UsageLimits = { free: { daily: 0, monthly: 100 } };
      const error = await expectAppError(
        store().appendMessage(user.id, newMessage(conversation.id), { quota: { limits: tight, now: t } }),
        { status: 429, code: 'rate_limited' },
      );
      expect(Number(error.headers['Retry-After'])).toBeGreaterThan(0);
    });

    test('unknown conversation with quota → 404 and no usage consumed', async () => {
      const user = await makeUser(store());
      const t = now();
      await expectAppError(store().appendMessage(user.id, newMessage(randomUUID()), { quota: { limits, now: t } }), {
        status: 404,
        code: 'not_found',
      });
      expect(await store().getUsage(user.id, t)).toMatchObject({ dailyUsed: 0, totalUsed: 0 });
    });

    test('without quota nothing is counted', async () => {
      const user = await makeUser(store());
      const conversation = await makeConversation(store(), user.id);
      for (let i = 0; i < 3; i++) await makeMessage(store(), user.id, conversation.id);
      expect((await store().getUsage(user.id, now())).totalUsed).toBe(0);
    });

    test('20 concurrent appends with 2 remaining → exactly 2 written', async () => {
      const user = await makeUser(store());
      const conversation = await makeConversation(store(), user.id);
      const t = now();
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () =>
          store().appendMessage(user.id, newMessage(conversation.id), { quota: { limits, now: t } }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ status: 429 });
      expect((await store().getConversation(user.id, conversation.id))?.messageCount).toBe(2);
      expect((await store().listMessages(user.id, conversation.id, { limit: 100 }))?.items).toHaveLength(2);
    });
  });
});
