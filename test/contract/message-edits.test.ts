/**
 * Contract: what chat frontends need beyond append — parts and client-chosen ids, replacing one
 * message (putMessage), deleting one or every one after an id, the whole-list write
 * (replaceMessages: atomic, 409 rules, usage counted once, repeat = no-op), archived
 * conversations, search over the text of parts, cursors stable across replace/delete. Both backends.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import type { UsageLimits } from '../../lib/config.js';
import type { JsonObject, ListedMessage, Store } from '../../lib/store/types.js';
import { backendCases } from '../helpers/backends.js';
import { expectAppError, useStore } from '../helpers/contract.js';
import {
  addMs,
  makeConversation,
  makeMessage,
  makeUser,
  messageBody,
  newMessage,
  now,
  unlisted,
  unlistedItems,
} from '../helpers/factories.js';

const limits = (daily: number): UsageLimits => ({ free: { daily, monthly: 10_000 } });
const ids = (items: { id: string }[]): string[] => items.map((m) => m.id);

const PARTS: JsonObject[] = [
  { type: 'text', text: 'Find otters near the river' },
  { type: 'reasoning', text: 'The user wants otters.', providerMetadata: { x: { y: 1 } } },
  {
    type: 'tool-weather',
    toolCallId: 'call-1',
    state: 'output-available',
    input: { city: 'Oslo' },
    output: { temp: -3 },
  },
  { type: 'file', mediaType: 'image/png', url: 'data:image/png;base64,AAAA', filename: 'a.png' },
  { type: 'source-url', sourceId: 's1', url: 'https://example.com/otters', title: 'Otters' },
  { type: 'data-weather', id: 'w1', data: { zb: 1, aa: [1, 2, { k: null }] } },
];

async function all(store: Store, userId: string, conversationId: string): Promise<ListedMessage[]> {
  return (await store.listMessages(userId, conversationId, { limit: 100 }))!.items;
}

describe.each(backendCases)('%s', (_name, backend) => {
  const store = useStore(backend);

  test('client-chosen ids: unique per conversation (409), the same id in two conversations is fine', async () => {
    const user = await makeUser(store());
    const a = await makeConversation(store(), user.id);
    const b = await makeConversation(store(), user.id);
    const first = await makeMessage(store(), user.id, a.id, { id: 'msg-1' });
    expect(first.id).toBe('msg-1');
    await expectAppError(store().appendMessage(user.id, newMessage(a.id, { id: 'msg-1' })), {
      status: 409,
      code: 'conflict',
    });
    expect((await makeMessage(store(), user.id, b.id, { id: 'msg-1' })).conversationId).toBe(b.id);
    expect(ids(await all(store(), user.id, a.id))).toEqual(['msg-1']);
    expect((await store().getConversation(user.id, a.id))?.messageCount).toBe(1);
  });

  test('parts of every kind round-trip exactly, key order included', async () => {
    const user = await makeUser(store());
    const c = await makeConversation(store(), user.id);
    const written = await makeMessage(store(), user.id, c.id, { parts: PARTS, content: 'Find otters near the river' });
    const [listed] = await all(store(), user.id, c.id);
    expect(unlisted(listed!)).toEqual(written);
    expect(JSON.stringify(listed!.parts)).toBe(JSON.stringify(PARTS));
  });

  test('putMessage creates (counting quota) and replaces (keeping createdAt and place, counting nothing)', async () => {
    const user = await makeUser(store());
    const c = await makeConversation(store(), user.id);
    const first = await makeMessage(store(), user.id, c.id, { id: 'a', role: 'assistant' });
    const t = now();
    const quota = { limits: limits(2), now: t };
    const created = await store().putMessage(user.id, newMessage(c.id, { id: 'b', createdAt: t, updatedAt: t }), {
      quota,
    });
    expect(created.created).toBe(true);
    const later = addMs(t, 5_000);
    const replaced = await store().putMessage(
      user.id,
      newMessage(c.id, {
        id: 'a',
        role: 'assistant',
        content: 'edited',
        parts: [{ type: 'text', text: 'edited' }],
        createdAt: later,
        updatedAt: later,
      }),
      { quota },
    );
    expect(replaced).toEqual({
      created: false,
      value: {
        ...first,
        role: 'assistant',
        content: 'edited',
        parts: [{ type: 'text', text: 'edited' }],
        updatedAt: later,
      },
    });
    expect((await store().getUsage(user.id, t)).dailyUsed).toBe(1);
    const listed = await all(store(), user.id, c.id);
    expect(ids(listed)).toEqual(['a', 'b']);
    expect(unlisted(listed[0]!)).toEqual(replaced.value);
    const conversation = await store().getConversation(user.id, c.id);
    expect(conversation).toMatchObject({ messageCount: 2, updatedAt: later });
    // An unchanged body writes nothing.
    const again = await store().putMessage(
      user.id,
      newMessage(c.id, { ...replaced.value, createdAt: addMs(later, 1), updatedAt: addMs(later, 1) }),
    );
    expect(again).toEqual({ created: false, value: replaced.value });
    expect((await store().getConversation(user.id, c.id))?.updatedAt).toBe(later);
  });

  test('putMessage over the limit → 429 and nothing written; other users get 404', async () => {
    const user = await makeUser(store());
    const other = await makeUser(store());
    const c = await makeConversation(store(), user.id);
    const t = now();
    await store().consumeUsage(user.id, limits(1), t);
    await expectAppError(
      store().putMessage(user.id, newMessage(c.id, { id: 'x' }), { quota: { limits: limits(1), now: t } }),
      { status: 429, code: 'rate_limited' },
    );
    expect(await all(store(), user.id, c.id)).toEqual([]);
    await expectAppError(store().putMessage(other.id, newMessage(c.id, { id: 'x' })), {
      status: 404,
      code: 'not_found',
    });
  });

  test('deleteMessage and deleteMessagesAfter: counts, updatedAt, 404 cases, ownership', async () => {
    const user = await makeUser(store());
    const other = await makeUser(store());
    const c = await makeConversation(store(), user.id);
    for (const id of ['m1', 'm2', 'm3', 'm4', 'm5']) await makeMessage(store(), user.id, c.id, { id });
    const at = addMs(now(), 60_000);
    expect(await store().deleteMessage(other.id, c.id, 'm2', at)).toBe(false);
    expect(await store().deleteMessagesAfter(other.id, c.id, 'm1', at)).toBe(false);
    expect(await store().deleteMessage(user.id, c.id, 'nope', at)).toBe(false);
    expect(await store().deleteMessagesAfter(user.id, c.id, 'nope', at)).toBe(false);
    expect(await store().deleteMessage(user.id, c.id, 'm2', at)).toBe(true);
    expect(await store().getConversation(user.id, c.id)).toMatchObject({ messageCount: 4, updatedAt: at });
    expect(await store().deleteMessagesAfter(user.id, c.id, 'm3', at)).toBe(true);
    expect(ids(await all(store(), user.id, c.id))).toEqual(['m1', 'm3']);
    expect((await store().getConversation(user.id, c.id))?.messageCount).toBe(2);
    expect(await store().deleteMessagesAfter(user.id, c.id, 'm3', at)).toBe(true);
    expect(ids(await all(store(), user.id, c.id))).toEqual(['m1', 'm3']);
  });

  test('a cursor stays valid when messages are replaced or deleted between pages', async () => {
    const user = await makeUser(store());
    const c = await makeConversation(store(), user.id);
    const made = [];
    for (let i = 0; i < 6; i++) made.push(await makeMessage(store(), user.id, c.id, { id: `p${i}` }));
    const first = (await store().listMessages(user.id, c.id, { limit: 2 }))!;
    const last = first.items.at(-1)!;
    await store().deleteMessage(user.id, c.id, 'p1', now());
    await store().putMessage(user.id, newMessage(c.id, { id: 'p2', content: 'replaced', updatedAt: now() }));
    await store().deleteMessage(user.id, c.id, 'p3', now());
    const rest = (await store().listMessages(user.id, c.id, {
      limit: 10,
      after: { createdAt: last.createdAt, seq: last.seq },
    }))!;
    expect(ids(rest.items)).toEqual(['p2', 'p4', 'p5']);
    expect(rest.items[0]!.content).toBe('replaced');
  });

  test('replaceMessages: keeps, replaces, creates after, deletes the rest, atomically; a repeat changes nothing', async () => {
    const user = await makeUser(store());
    const c = await makeConversation(store(), user.id);
    for (const id of ['a', 'b', 'c']) await makeMessage(store(), user.id, c.id, { id, content: `content of ${id}` });
    const t = now();
    const list = [
      messageBody('a'),
      messageBody('c', { content: 'edited c', role: 'assistant' }),
      messageBody('d', { parts: PARTS, content: '' }),
      messageBody('e', { role: 'assistant' }),
    ];
    const written = await store().replaceMessages(user.id, c.id, list, { now: t, quota: { limits: limits(10) } });
    expect(written.replayed).toBe(false);
    expect(ids(written.value)).toEqual(['a', 'c', 'd', 'e']);
    expect(written.value[1]).toMatchObject({ content: 'edited c', role: 'assistant', updatedAt: t });
    expect(written.value[2]).toMatchObject({ parts: PARTS, createdAt: t, updatedAt: t });
    expect(unlistedItems({ items: await all(store(), user.id, c.id) })).toEqual(written.value);
    expect(await store().getConversation(user.id, c.id)).toMatchObject({ messageCount: 4, updatedAt: t });
    expect((await store().getUsage(user.id, t)).dailyUsed).toBe(1); // only 'd' is a new user message

    const repeat = await store().replaceMessages(user.id, c.id, list, {
      now: addMs(t, 1000),
      quota: { limits: limits(10) },
    });
    expect(repeat.value).toEqual(written.value);
    expect((await store().getUsage(user.id, t)).dailyUsed).toBe(1);
    expect((await store().getConversation(user.id, c.id))?.updatedAt).toBe(t);
  });

  test('replaceMessages: 409 on a reorder or a stored message after a new one; 400 on a duplicate id; nothing written', async () => {
    const user = await makeUser(store());
    const c = await makeConversation(store(), user.id);
    for (const id of ['a', 'b']) await makeMessage(store(), user.id, c.id, { id, content: `content of ${id}` });
    const opts = { now: now() };
    await expectAppError(store().replaceMessages(user.id, c.id, [messageBody('b'), messageBody('a')], opts), {
      status: 409,
      code: 'conflict',
    });
    await expectAppError(
      store().replaceMessages(user.id, c.id, [messageBody('a'), messageBody('new'), messageBody('b')], opts),
      {
        status: 409,
        code: 'conflict',
      },
    );
    await expectAppError(store().replaceMessages(user.id, c.id, [messageBody('a'), messageBody('a')], opts), {
      status: 400,
      code: 'validation_failed',
    });
    expect(ids(await all(store(), user.id, c.id))).toEqual(['a', 'b']);
  });

  test('replaceMessages over the limit → 429, nothing written; other users → 404', async () => {
    const user = await makeUser(store());
    const other = await makeUser(store());
    const c = await makeConversation(store(), user.id);
    await makeMessage(store(), user.id, c.id, { id: 'a', content: 'content of a' });
    const t = now();
    const list = [messageBody('a', { content: 'changed' }), messageBody('u1'), messageBody('u2')];
    await expectAppError(store().replaceMessages(user.id, c.id, list, { now: t, quota: { limits: limits(1) } }), {
      status: 429,
      code: 'rate_limited',
    });
    expect((await all(store(), user.id, c.id)).map((m) => m.content)).toEqual(['content of a']);
    expect((await store().getUsage(user.id, t)).dailyUsed).toBe(0);
    await expectAppError(store().replaceMessages(other.id, c.id, list, { now: t }), { status: 404, code: 'not_found' });
    await expectAppError(store().replaceMessages(user.id, randomUUID(), list, { now: t }), {
      status: 404,
      code: 'not_found',
    });
  });

  test('replaceMessages under an Idempotency-Key replays the first response', async () => {
    const user = await makeUser(store());
    const c = await makeConversation(store(), user.id);
    const t = now();
    const key = { key: `k-${randomUUID()}`, requestHash: 'h1', now: t };
    const first = await store().replaceMessages(user.id, c.id, [messageBody('a')], { now: t, idempotency: key });
    await store().deleteMessage(user.id, c.id, 'a', now());
    const replay = await store().replaceMessages(user.id, c.id, [messageBody('a')], {
      now: now(),
      idempotency: { ...key, now: now() },
    });
    expect(replay).toEqual({ value: first.value, replayed: true });
    expect(await all(store(), user.id, c.id)).toEqual([]);
    await expectAppError(
      store().replaceMessages(user.id, c.id, [messageBody('a')], {
        now: now(),
        idempotency: { ...key, requestHash: 'other', now: now() },
      }),
      { status: 409, code: 'conflict' },
    );
  });

  test('archived: updateConversation sets it; lists show archived or the others', async () => {
    const user = await makeUser(store());
    const a = await makeConversation(store(), user.id);
    const b = await makeConversation(store(), user.id);
    const at = addMs(now(), 1000);
    expect(await store().updateConversation(user.id, a.id, { archived: true }, at)).toMatchObject({
      archived: true,
      title: a.title,
      updatedAt: at,
    });
    expect(ids((await store().listConversations(user.id, { limit: 10 })).items)).toEqual([b.id]);
    expect(ids((await store().listConversations(user.id, { limit: 10 }, { archived: true })).items)).toEqual([a.id]);
    expect(await store().getConversation(user.id, a.id)).toMatchObject({ archived: true });
  });

  test('search matches the text of parts (content derived from them) and finds archived conversations', async () => {
    const user = await makeUser(store());
    const c = await makeConversation(store(), user.id);
    await makeMessage(store(), user.id, c.id, {
      id: 'p',
      content: 'walrus tusks\nglacier',
      parts: [
        { type: 'text', text: 'walrus tusks' },
        { type: 'text', text: 'glacier' },
      ],
    });
    await store().updateConversation(user.id, c.id, { archived: true }, now());
    const hits = await store().searchMessages({ userId: user.id, q: 'walrus glacier' }, { limit: 10 });
    expect(hits.items.map((h) => h.message.id)).toEqual(['p']);
    expect(hits.items[0]!.message.parts).toHaveLength(2);
  });
});
