/**
 * Search over real HTTP on both backends: matches every word, only the caller's messages,
 * role / conversation / meta filters, snippets, pagination, hostile query syntax → 200.
 */
import { describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { expectError, useE2e, type E2e, type TestUser } from './api-fixture.js';

interface Hit {
  message: { id: string; conversationId: string; role: string; content: string; metadata: Record<string, unknown> };
  conversationTitle: string;
  snippet: string;
}
interface Page {
  items: Hit[];
  nextCursor: string | null;
}

async function say(
  t: E2e,
  user: TestUser,
  id: string,
  content: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await t.call<{ id: string }>('POST', `/api/conversations/${id}/messages`, {
    json: { role: 'assistant', content, ...extra },
    token: user.token,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

const search = (t: E2e, user: TestUser, query: string) =>
  t.call<Page>('GET', `/api/search?${query}`, { token: user.token });

describe.each(backends)('search ($name)', (backend) => {
  const t = useE2e(backend);

  it("finds the caller's messages containing every query word, with title and snippet", async () => {
    const alice = await t.register();
    const bob = await t.register();
    const conv = await t.conversation(alice, 'Gardening');
    const both = await say(t, alice, conv, 'the purple tomato grows slowly');
    await say(t, alice, conv, 'a purple sky');
    await say(t, alice, conv, 'tomato soup');
    await say(t, bob, await t.conversation(bob), 'purple tomato of bob');

    const res = await search(t, alice, 'q=purple%20tomato');
    expect(res.status).toBe(200);
    expect(res.body.items.map((h) => h.message.id)).toEqual([both]);
    expect(res.body.items[0]).toMatchObject({
      conversationTitle: 'Gardening',
      snippet: 'the purple tomato grows slowly',
    });
    expect(res.body.nextCursor).toBeNull();
    expect((await search(t, bob, 'q=sky')).body.items).toEqual([]);
  });

  it('filters by role, conversationId and meta.<key>=<value>', async () => {
    const user = await t.register();
    const c1 = await t.conversation(user, 'one');
    const c2 = await t.conversation(user, 'two');
    const a = await say(t, user, c1, 'banana bread', { metadata: { lang: 'en', n: 1 } });
    const b = await say(t, user, c2, 'banana split', { role: 'user', metadata: { lang: 'fr' } });
    const ids = (page: Page) => page.items.map((h) => h.message.id).sort();

    expect(ids((await search(t, user, 'q=banana')).body)).toEqual([a, b].sort());
    expect(ids((await search(t, user, 'q=banana&role=user')).body)).toEqual([b]);
    expect(ids((await search(t, user, `q=banana&conversationId=${c1}`)).body)).toEqual([a]);
    expect(ids((await search(t, user, 'q=banana&meta.lang=fr')).body)).toEqual([b]);
    expect(ids((await search(t, user, 'q=banana&meta.lang=en&meta.n=1')).body)).toEqual([]);
    expect(ids((await search(t, user, 'q=banana&meta.missing=x')).body)).toEqual([]);
  });

  it('pages through many hits without repeats', async () => {
    const user = await t.register();
    const id = await t.conversation(user);
    const posted = new Set<string>();
    for (let i = 0; i < 7; i++) posted.add(await say(t, user, id, `walrus number ${i}`));
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) {
      const res = await search(t, user, `q=walrus&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((h) => h.message.id));
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toHaveLength(7);
    expect(new Set(seen)).toEqual(posted);
  });

  it('treats hostile query syntax as plain text (200)', async () => {
    const user = await t.register();
    await say(t, user, await t.conversation(user), 'ordinary text');
    const hostile = [
      "'; DROP TABLE messages; --",
      '"unterminated',
      'a & | ! ( ) :* <->',
      '-',
      '\\',
      '%_%',
      'OR AND NOT',
      '😀',
      '(((',
      'x:*',
    ];
    for (const q of hostile) {
      const res = await search(t, user, `q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
      expect(Array.isArray(res.body.items)).toBe(true);
    }
  });

  it('validates q, role, conversationId, limit and cursor', async () => {
    const user = await t.register();
    expectError(await search(t, user, ''), 400, 'validation_failed', 'q');
    expectError(await search(t, user, 'q='), 400, 'validation_failed', 'q');
    expectError(await search(t, user, `q=${'a'.repeat(201)}`), 400, 'validation_failed', 'q');
    expectError(await search(t, user, 'q=a%00b'), 400, 'validation_failed', 'q');
    expectError(await search(t, user, 'q=x&role=robot'), 400, 'validation_failed', 'role');
    expectError(await search(t, user, 'q=x&conversationId=nope'), 400, 'validation_failed', 'conversationId');
    expectError(await search(t, user, 'q=x&limit=500'), 400, 'validation_failed', 'limit');
    expectError(await search(t, user, 'q=x&cursor=bogus'), 400, 'validation_failed', 'cursor');
    expectError(await search(t, user, 'q=x&meta.=v'), 400, 'validation_failed', 'meta.');
    expectError(await t.call('GET', '/api/search?q=x'), 401, 'unauthorized');
  });

  it('shows a snippet around the first match in a long message', async () => {
    const user = await t.register();
    const id = await t.conversation(user);
    await say(t, user, id, `${'filler '.repeat(60)}the needle is here ${'tail '.repeat(60)}`);
    const res = await search(t, user, 'q=needle');
    const hit = res.body.items[0];
    expect(hit?.snippet).toContain('the needle is here');
    expect(hit?.snippet.startsWith('…')).toBe(true);
    expect(hit?.snippet.endsWith('…')).toBe(true);
    expect(hit?.snippet.length).toBeLessThanOrEqual(162);
  });
});
