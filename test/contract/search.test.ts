/**
 * Contract: search — every query word must match (case-insensitive), filters, only the owner's
 * messages, any string is safe syntax, keyset pages. The fixtures use plain lower-case words
 * that English stemming leaves alone, so both backends must return exactly the same sets.
 */
import { describe, expect, test } from 'vitest';
import type {
  ConversationRecord,
  MessageRecord,
  SearchHit,
  SearchQuery,
  Store,
  UserRecord,
} from '../../lib/store/types.js';
import { backendCases } from '../helpers/backends.js';
import { expectResolvesOrValidationError, useStore } from '../helpers/contract.js';
import { makeConversation, makeMessage, makeUser } from '../helpers/factories.js';
import { walkPages } from '../helpers/paging.js';

interface Fixture {
  owner: UserRecord;
  pets: ConversationRecord;
  food: ConversationRecord;
  m: Record<string, MessageRecord>;
}

async function seed(store: Store): Promise<Fixture> {
  const owner = await makeUser(store);
  const stranger = await makeUser(store);
  const pets = await makeConversation(store, owner.id, { title: 'Pets' });
  const food = await makeConversation(store, owner.id, { title: 'Food' });
  const add = (c: ConversationRecord, content: string, extra: Partial<MessageRecord> = {}) =>
    makeMessage(store, owner.id, c.id, { content, ...extra });
  const m: Record<string, MessageRecord> = {
    foxDog: await add(pets, 'a brown fox and a lazy dog', { metadata: { topic: 'pets', n: 1 } }),
    foxOnly: await add(pets, 'The FOX was brown', { role: 'assistant', metadata: { topic: 'wild' } }),
    dogOnly: await add(pets, 'my dog likes a kiwi', { metadata: { topic: 'pets' } }),
    kiwi: await add(food, 'kiwi and lemon on a desk', { role: 'system' }),
    upper: await add(food, 'Dog FOX Kiwi', { metadata: { topic: 'mixed' } }),
  };
  const strangers = await makeConversation(store, stranger.id, { title: 'Not yours' });
  await makeMessage(store, stranger.id, strangers.id, { content: 'fox dog kiwi lemon desk' });
  return { owner, pets, food, m };
}

/** The SearchKey order: rank descending, then createdAt descending, then id descending. */
function expectSearchOrder(hits: SearchHit[]): void {
  for (let i = 1; i < hits.length; i++) {
    const a = hits[i - 1]!;
    const b = hits[i]!;
    const ordered =
      a.rank > b.rank ||
      (a.rank === b.rank &&
        (a.message.createdAt > b.message.createdAt ||
          (a.message.createdAt === b.message.createdAt && a.message.id > b.message.id)));
    expect(ordered, `hit ${i - 1} before hit ${i}`).toBe(true);
  }
}

const hitIds = (hits: SearchHit[]) => hits.map((h) => h.message.id).sort();
const idsOf = (...messages: (MessageRecord | undefined)[]) => messages.map((m) => m!.id).sort();

describe.each(backendCases)('%s', (_name, backend) => {
  const store = useStore(backend);
  let fx: Fixture | undefined;
  const fixture = async (): Promise<Fixture> => (fx ??= await seed(store()));
  const search = async (query: Omit<SearchQuery, 'userId'>, limit = 100) => {
    const { owner } = await fixture();
    return (await store().searchMessages({ userId: owner.id, ...query }, { limit })).items;
  };

  test('a single word matches case-insensitively, own messages only', async () => {
    const { m } = await fixture();
    expect(hitIds(await search({ q: 'fox' }))).toEqual(idsOf(m.foxDog, m.foxOnly, m.upper));
    expect(hitIds(await search({ q: 'FOX' }))).toEqual(idsOf(m.foxDog, m.foxOnly, m.upper));
  });

  test('every word must match', async () => {
    const { m } = await fixture();
    expect(hitIds(await search({ q: 'fox dog' }))).toEqual(idsOf(m.foxDog, m.upper));
    expect(hitIds(await search({ q: 'kiwi lemon desk' }))).toEqual(idsOf(m.kiwi));
    expect(await search({ q: 'fox zebra' })).toEqual([]);
  });

  test('hits carry the stored message and the conversation title', async () => {
    const { m, pets } = await fixture();
    const [hit] = await search({ q: 'lazy' });
    expect(hit?.message).toEqual(m.foxDog);
    expect(hit?.conversationTitle).toBe(pets.title);
    expect(typeof hit?.rank).toBe('number');
  });

  test('filters: role, conversationId, meta', async () => {
    const { m, food } = await fixture();
    expect(hitIds(await search({ q: 'fox', role: 'assistant' }))).toEqual(idsOf(m.foxOnly));
    expect(hitIds(await search({ q: 'kiwi', conversationId: food.id }))).toEqual(idsOf(m.kiwi, m.upper));
    expect(hitIds(await search({ q: 'dog', meta: { topic: 'pets' } }))).toEqual(idsOf(m.foxDog, m.dogOnly));
    expect(await search({ q: 'dog', meta: { topic: 'pets', absent: 'x' } })).toEqual([]);
    expect(await search({ q: 'fox', meta: { n: '1' } })).toEqual([]);
  });

  test("another user's query never sees the owner's messages", async () => {
    await fixture();
    const other = await makeUser(store());
    expect((await store().searchMessages({ userId: other.id, q: 'fox' }, { limit: 100 })).items).toEqual([]);
  });

  const hostile = [
    '"',
    '"fox',
    "'",
    "fox's",
    '-fox',
    'fox -dog',
    'fox | dog',
    'fox OR dog',
    'fox & dog',
    '!fox',
    '!!',
    'fox:*',
    ':*',
    '\\',
    'fox\\',
    '\\"',
    '(fox',
    'fox)',
    '<->',
    'fox <-> dog',
    '*',
    '%',
    '_',
    '%fox%',
    'a_b',
    "'); DROP TABLE messages; --",
    "' OR 1=1 --",
    '$1',
    '${q}',
    '   ',
    'the',
    '🦊',
    'ﬁx',
    'fox\u200bdog',
    'x'.repeat(200),
    '& | ! ( ) : * < > " \'',
  ];

  test('hostile query syntax never throws', async () => {
    const { owner } = await fixture();
    for (const q of hostile) {
      const page = await store().searchMessages({ userId: owner.id, q }, { limit: 10 });
      expect(Array.isArray(page.items), q).toBe(true);
    }
    expect(hitIds(await search({ q: 'fox' }))).toHaveLength(3);
  });

  test('hostile meta filter keys and values never throw', async () => {
    const { owner } = await fixture();
    for (const value of ["'", '"', '\\', '{}', '%', "') OR 1=1 --"]) {
      const query = { userId: owner.id, q: 'fox', meta: { [value]: value, topic: value } };
      expect((await store().searchMessages(query, { limit: 10 })).items).toEqual([]);
    }
  });

  test('NUL or a lone surrogate in q → results or 400, never a crash', async () => {
    const { owner } = await fixture();
    for (const q of ['fox\u0000', '\uD800fox', 'fox\uDC00']) {
      await expectResolvesOrValidationError(store().searchMessages({ userId: owner.id, q }, { limit: 10 }));
      const meta = { topic: q, [q]: 'x' };
      await expectResolvesOrValidationError(
        store().searchMessages({ userId: owner.id, q: 'fox', meta }, { limit: 10 }),
      );
    }
  });

  test('a conversationId filter that is not a UUID → no hits or 400, never a crash', async () => {
    const { owner } = await fixture();
    const result = await expectResolvesOrValidationError(
      store().searchMessages({ userId: owner.id, q: 'fox', conversationId: 'not-a-uuid' }, { limit: 10 }),
    );
    if (!(result instanceof Error)) expect(result.items).toEqual([]);
  });

  test('pages of hits neither repeat nor skip', async () => {
    const owner = await makeUser(store());
    const conversation = await makeConversation(store(), owner.id);
    const made: MessageRecord[] = [];
    for (let i = 0; i < 12; i++) {
      const content = i % 3 === 0 ? `owl owl owl lamp ${i}` : `owl lamp number ${i}`;
      made.push(await makeMessage(store(), owner.id, conversation.id, { content }));
    }
    const walk = await walkPages(
      (page) => store().searchMessages({ userId: owner.id, q: 'owl lamp' }, page),
      (h: SearchHit) => ({
        rank: h.rank,
        createdAt: h.message.createdAt,
        conversationId: h.message.conversationId,
        id: h.message.id,
      }),
      5,
    );
    expect(walk.pageSizes).toEqual([5, 5, 2]);
    expect(hitIds(walk.items)).toEqual(idsOf(...made));
    expect(new Set(walk.items.map((h) => h.message.id)).size).toBe(12);
    expectSearchOrder(walk.items);
  });

  test('pages neither repeat nor skip when matching messages are added between requests', async () => {
    const owner = await makeUser(store());
    const conversation = await makeConversation(store(), owner.id);
    const made: MessageRecord[] = [];
    for (let i = 0; i < 9; i++)
      made.push(await makeMessage(store(), owner.id, conversation.id, { content: `heron pond ${i}` }));
    const walk = await walkPages(
      (page) => store().searchMessages({ userId: owner.id, q: 'heron' }, page),
      (h: SearchHit) => ({
        rank: h.rank,
        createdAt: h.message.createdAt,
        conversationId: h.message.conversationId,
        id: h.message.id,
      }),
      4,
      async () => {
        await makeMessage(store(), owner.id, conversation.id, { content: 'heron pond late' });
      },
    );
    const seen = walk.items.map((h) => h.message.id);
    expect(new Set(seen).size).toBe(seen.length);
    for (const m of made) expect(seen).toContain(m.id);
  });

  test('hits are ordered rank desc, createdAt desc, id desc; titles follow renames', async () => {
    const owner = await makeUser(store());
    const conversation = await makeConversation(store(), owner.id);
    await makeMessage(store(), owner.id, conversation.id, { content: 'otter' });
    await makeMessage(store(), owner.id, conversation.id, { content: 'otter otter otter river' });
    await makeMessage(store(), owner.id, conversation.id, { content: 'an otter in a river' });
    await store().updateConversation(owner.id, conversation.id, { title: 'Renamed otters' }, new Date().toISOString());
    const hits = (await store().searchMessages({ userId: owner.id, q: 'otter' }, { limit: 2 })).items;
    expect(hits).toHaveLength(2);
    expectSearchOrder(hits);
    for (const hit of hits) expect(hit.conversationTitle).toBe('Renamed otters');
    const all = await store().searchMessages({ userId: owner.id, q: 'otter' }, { limit: 10 });
    expect(all.items).toHaveLength(3);
    expect(all.hasMore).toBe(false);
    expectSearchOrder(all.items);
  });
});
