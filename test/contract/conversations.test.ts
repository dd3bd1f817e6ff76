/**
 * Contract: conversations — create/get/list (newest updatedAt first, keyset pages), rename,
 * delete with its messages, and ownership (another user's conversation does not exist).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import type { ConversationRecord, Store } from '../../lib/store/types.js';
import { backendCases } from '../helpers/backends.js';
import { expectAppError, useStore } from '../helpers/contract.js';
import {
  addMs,
  clock,
  makeConversation,
  makeMessage,
  makeUser,
  newConversation,
  newMessage,
  now,
} from '../helpers/factories.js';
import { walkPages } from '../helpers/paging.js';

const ids = (items: { id: string }[]): string[] => items.map((i) => i.id);

function listAll(store: Store, userId: string, limit: number, between?: (i: number) => Promise<void>) {
  return walkPages(
    (page) => store.listConversations(userId, page),
    (c: ConversationRecord) => ({ updatedAt: c.updatedAt, id: c.id }),
    limit,
    between,
  );
}

describe.each(backendCases)('%s', (_name, backend) => {
  const store = useStore(backend);

  test('createConversation: messageCount 0, updatedAt = createdAt, not replayed', async () => {
    const user = await makeUser(store());
    const input = newConversation(user.id);
    const written = await store().createConversation(input);
    expect(written).toEqual({
      value: { ...input, updatedAt: input.createdAt, messageCount: 0, archived: false },
      replayed: false,
    });
    expect(await store().getConversation(user.id, input.id)).toEqual(written.value);
  });

  test("getConversation: unknown, another user's, or a non-UUID id → null", async () => {
    const owner = await makeUser(store());
    const other = await makeUser(store());
    const conversation = await makeConversation(store(), owner.id);
    expect(await store().getConversation(other.id, conversation.id)).toBeNull();
    expect(await store().getConversation(owner.id, randomUUID())).toBeNull();
    expect(await store().getConversation(owner.id, 'not-a-uuid')).toBeNull();
  });

  test('listConversations: newest updatedAt first, own only', async () => {
    const user = await makeUser(store());
    const other = await makeUser(store());
    const tick = clock();
    const a = await makeConversation(store(), user.id, { createdAt: tick() });
    const b = await makeConversation(store(), user.id, { createdAt: tick() });
    const c = await makeConversation(store(), user.id, { createdAt: tick() });
    await makeConversation(store(), other.id);
    const page = await store().listConversations(user.id, { limit: 10 });
    expect(page).toEqual({ items: [c, b, a], hasMore: false });
  });

  test('equal updatedAt is ordered by id descending', async () => {
    const user = await makeUser(store());
    const at = now();
    const made = await Promise.all([1, 2, 3, 4, 5].map(() => makeConversation(store(), user.id, { createdAt: at })));
    const expected = ids(made).sort().reverse();
    expect(ids((await store().listConversations(user.id, { limit: 10 })).items)).toEqual(expected);
    expect(ids((await listAll(store(), user.id, 2)).items)).toEqual(expected);
  });

  test('updateConversation sets the title, bumps updatedAt and moves it to the top', async () => {
    const user = await makeUser(store());
    const tick = clock();
    const old = await makeConversation(store(), user.id, { createdAt: tick() });
    const newer = await makeConversation(store(), user.id, { createdAt: tick() });
    const at = tick();
    const renamed = await store().updateConversation(user.id, old.id, { title: 'Renamed ✓' }, at);
    expect(renamed).toEqual({ ...old, title: 'Renamed ✓', updatedAt: at });
    expect(await store().getConversation(user.id, old.id)).toEqual(renamed);
    expect(ids((await store().listConversations(user.id, { limit: 10 })).items)).toEqual([old.id, newer.id]);
  });

  test("updateConversation of another user's or an unknown conversation → null, unchanged", async () => {
    const owner = await makeUser(store());
    const other = await makeUser(store());
    const conversation = await makeConversation(store(), owner.id);
    expect(await store().updateConversation(other.id, conversation.id, { title: 'hijacked' }, now())).toBeNull();
    expect(await store().updateConversation(owner.id, randomUUID(), { title: 'x' }, now())).toBeNull();
    expect(await store().getConversation(owner.id, conversation.id)).toEqual(conversation);
  });

  test('deleteConversation removes it and its messages', async () => {
    const user = await makeUser(store());
    const conversation = await makeConversation(store(), user.id);
    const message = await makeMessage(store(), user.id, conversation.id, { content: 'zebra kiwi cascade' });
    expect(await store().deleteConversation(user.id, conversation.id)).toBe(true);
    expect(await store().getConversation(user.id, conversation.id)).toBeNull();
    expect(await store().listMessages(user.id, conversation.id, { limit: 10 })).toBeNull();
    const hits = await store().searchMessages({ userId: user.id, q: 'cascade' }, { limit: 10 });
    expect(hits.items.map((h) => h.message.id)).not.toContain(message.id);
    await expectAppError(store().appendMessage(user.id, newMessage(conversation.id)), {
      status: 404,
      code: 'not_found',
    });
    expect(await store().deleteConversation(user.id, conversation.id)).toBe(false);
    expect((await store().listConversations(user.id, { limit: 10 })).items).toEqual([]);
  });

  test("deleteConversation of another user's conversation → false, still there", async () => {
    const owner = await makeUser(store());
    const other = await makeUser(store());
    const conversation = await makeConversation(store(), owner.id);
    expect(await store().deleteConversation(other.id, conversation.id)).toBe(false);
    expect(await store().deleteConversation(owner.id, randomUUID())).toBe(false);
    expect(await store().getConversation(owner.id, conversation.id)).toEqual(conversation);
  });

  test('25 conversations in pages of 7: 7, 7, 7, 4 with nothing repeated or skipped', async () => {
    const user = await makeUser(store());
    const tick = clock();
    const made: ConversationRecord[] = [];
    for (let i = 0; i < 25; i++) made.push(await makeConversation(store(), user.id, { createdAt: tick() }));
    const walk = await listAll(store(), user.id, 7);
    expect(walk.pageSizes).toEqual([7, 7, 7, 4]);
    expect(walk.items).toEqual([...made].reverse());
  });

  test('a full last page reports hasMore false', async () => {
    const user = await makeUser(store());
    for (let i = 0; i < 4; i++) await makeConversation(store(), user.id);
    const first = await store().listConversations(user.id, { limit: 4 });
    expect(first.items).toHaveLength(4);
    expect(first.hasMore).toBe(false);
  });

  test('pages neither repeat nor skip when conversations are added or bumped between requests', async () => {
    const user = await makeUser(store());
    const start = Date.now() - 3_600_000;
    const tick = clock(start, 1000);
    const made: ConversationRecord[] = [];
    for (let i = 0; i < 12; i++) made.push(await makeConversation(store(), user.id, { createdAt: tick() }));
    const expected = ids([...made].reverse());
    const olderThanAll = await makeConversation(store(), user.id, {
      createdAt: addMs(new Date(start).toISOString(), -60_000),
    });
    const walk = await listAll(store(), user.id, 5, async () => {
      // Newer rows land before the cursor: they must not appear on later pages.
      await makeConversation(store(), user.id);
      await makeMessage(store(), user.id, made[11]!.id);
    });
    expect(ids(walk.items)).toEqual([...expected, olderThanAll.id]);
  });
});
