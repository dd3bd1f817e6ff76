/**
 * Conversations and message listing over real HTTP on both backends: CRUD, ordering, keyset
 * pagination that stays stable while rows are inserted, cursor/limit validation, and every
 * id-taking route called by another user → 404 with the data unchanged.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { makeMessage } from '../helpers/factories.js';
import { expectError, useE2e, type E2e, type TestUser } from './api-fixture.js';

interface Conversation {
  id: string;
  title: string;
  createdAt: string;
  updatedAt: string;
  messageCount: number;
}
interface Message {
  id: string;
  conversationId: string;
  role: string;
  content: string;
  metadata: Record<string, unknown>;
  createdAt: string;
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

async function post(t: E2e, user: TestUser, id: string, content: string, role = 'assistant'): Promise<Message> {
  const res = await t.call<Message>('POST', `/api/conversations/${id}/messages`, {
    json: { role, content },
    token: user.token,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** Walks a list endpoint page by page, running `between` after each page. */
async function walk<T>(
  t: E2e,
  user: TestUser,
  path: string,
  limit: number,
  between?: () => Promise<void>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const url: string = `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await t.call<Page<T>>('GET', url, { token: user.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (cursor === null) return items;
    await between?.();
  }
  throw new Error('pagination did not end');
}

describe.each(backends)('conversations ($name)', (backend) => {
  const t = useE2e(backend);

  it('creates with the default title, reads, renames and deletes', async () => {
    const user = await t.register();
    const created = await t.call<Conversation>('POST', '/api/conversations', { json: {}, token: user.token });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title: 'New conversation', messageCount: 0 });
    expect(created.body.updatedAt).toBe(created.body.createdAt);
    const path = `/api/conversations/${created.body.id}`;

    const m1 = await post(t, user, created.body.id, 'first', 'user');
    const m2 = await post(t, user, created.body.id, 'second');
    const read = await t.call<Conversation & { messages: Message[] }>('GET', path, { token: user.token });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: created.body.id, messageCount: 2, updatedAt: m2.createdAt });
    expect(read.body.messages).toEqual([m1, m2]);

    const renamed = await t.call<Conversation>('PATCH', path, { json: { title: 'Renamed' }, token: user.token });
    expect(renamed.status).toBe(200);
    expect(renamed.body.title).toBe('Renamed');
    expect(Date.parse(renamed.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(m2.createdAt));

    expect((await t.call('DELETE', path, { token: user.token })).status).toBe(204);
    expectError(await t.call('GET', path, { token: user.token }), 404, 'not_found');
    expectError(await t.call('GET', `${path}/messages`, { token: user.token }), 404, 'not_found');
    expectError(await t.call('DELETE', path, { token: user.token }), 404, 'not_found');
  });

  it('validates titles and bodies', async () => {
    const user = await t.register();
    const id = await t.conversation(user, 'ok');
    for (const json of [{ title: 'x'.repeat(201) }, { title: '' }, { title: 5 }, { title: 'a\u0000' }]) {
      expectError(
        await t.call('POST', '/api/conversations', { json, token: user.token }),
        400,
        'validation_failed',
        'title',
      );
      expectError(
        await t.call('PATCH', `/api/conversations/${id}`, { json, token: user.token }),
        400,
        'validation_failed',
        'title',
      );
    }
    expectError(
      await t.call('PATCH', `/api/conversations/${id}`, { json: {}, token: user.token }),
      400,
      'validation_failed',
      'title',
    );
    const max = await t.call<Conversation>('POST', '/api/conversations', {
      json: { title: 'é'.repeat(200) },
      token: user.token,
    });
    expect(max.status).toBe(201);
    expectError(await t.call('POST', '/api/conversations', { json: {} }), 401, 'unauthorized');
  });

  it('lists newest updatedAt first; a new message moves its conversation to the top', async () => {
    const user = await t.register();
    const a = await t.conversation(user, 'a');
    const b = await t.conversation(user, 'b');
    const c = await t.conversation(user, 'c');
    let list = await t.call<Page<Conversation>>('GET', '/api/conversations', { token: user.token });
    expect(list.body.items.map((x) => x.id)).toEqual([c, b, a]);
    expect(list.body.nextCursor).toBeNull();
    await post(t, user, a, 'bump');
    list = await t.call<Page<Conversation>>('GET', '/api/conversations', { token: user.token });
    expect(list.body.items.map((x) => x.id)).toEqual([a, c, b]);
  });

  it('pages conversations without repeats or gaps while new ones are inserted', async () => {
    const user = await t.register();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await t.conversation(user, `c${i}`));
    const seen = await walk<Conversation>(t, user, '/api/conversations', 3, async () => {
      await t.conversation(user, 'inserted meanwhile');
    });
    // Inserted rows are newer than the first page, so they never appear in later pages.
    expect(seen.map((c) => c.id)).toEqual([...ids].reverse());
  });

  it('pages messages oldest first, stable while messages are appended', async () => {
    const user = await t.register();
    const id = await t.conversation(user);
    const posted: string[] = [];
    for (let i = 0; i < 7; i++) posted.push((await post(t, user, id, `m${i}`)).id);
    let extra = 0;
    const seen = await walk<Message>(t, user, `/api/conversations/${id}/messages`, 2, async () => {
      posted.push((await post(t, user, id, `extra${extra++}`)).id);
    });
    expect(seen.map((m) => m.id)).toEqual(posted);
  });

  it('GET /api/conversations/{id} returns every message, beyond one store page', async () => {
    const user = await t.register();
    const id = await t.conversation(user);
    const { store } = t.instance();
    const written: string[] = [];
    for (let i = 0; i < 130; i++) written.push((await makeMessage(store, user.id, id, { role: 'assistant' })).id);
    const res = await t.call<{ messageCount: number; messages: Message[] }>('GET', `/api/conversations/${id}`, {
      token: user.token,
    });
    expect(res.body.messageCount).toBe(130);
    expect(res.body.messages.map((m) => m.id)).toEqual(written);
  });

  it('rejects bad limits and malformed cursors with 400', async () => {
    const user = await t.register();
    const id = await t.conversation(user);
    for (const path of ['/api/conversations', `/api/conversations/${id}/messages`]) {
      for (const limit of ['0', '101', 'abc', '1.5']) {
        expectError(
          await t.call('GET', `${path}?limit=${limit}`, { token: user.token }),
          400,
          'validation_failed',
          'limit',
        );
      }
      for (const cursor of ['garbage!', 'eyJmb28iOjF9', Buffer.from('{"k":"search","v":{}}').toString('base64url')]) {
        expectError(
          await t.call('GET', `${path}?cursor=${cursor}`, { token: user.token }),
          400,
          'validation_failed',
          'cursor',
        );
      }
    }
  });

  it("another user's conversation is 404 on every route and stays unchanged", async () => {
    const alice = await t.register();
    const mallory = await t.register();
    const id = await t.conversation(alice, 'private');
    await post(t, alice, id, 'secret words');
    const path = `/api/conversations/${id}`;
    const before = await t.call('GET', path, { token: alice.token });

    expectError(await t.call('GET', path, { token: mallory.token }), 404, 'not_found');
    expectError(await t.call('PATCH', path, { json: { title: 'pwned' }, token: mallory.token }), 404, 'not_found');
    expectError(await t.call('DELETE', path, { token: mallory.token }), 404, 'not_found');
    expectError(await t.call('GET', `${path}/messages`, { token: mallory.token }), 404, 'not_found');
    const append = await t.call('POST', `${path}/messages`, {
      json: { role: 'user', content: 'hi' },
      token: mallory.token,
    });
    expectError(append, 404, 'not_found');
    const mine = await t.call<Page<Conversation>>('GET', '/api/conversations', { token: mallory.token });
    expect(mine.body.items).toEqual([]);

    expect(await t.call('GET', path, { token: alice.token })).toMatchObject({ status: 200, body: before.body });
    const usage = await t.call<{ daily: { used: number } }>('GET', '/api/usage', { token: mallory.token });
    expect(usage.body.daily.used).toBe(0);
  });

  it('unknown and non-UUID ids are 404', async () => {
    const user = await t.register();
    for (const id of [randomUUID(), 'nope', '123']) {
      expectError(await t.call('GET', `/api/conversations/${id}`, { token: user.token }), 404, 'not_found');
      expectError(
        await t.call('PATCH', `/api/conversations/${id}`, { json: { title: 'x' }, token: user.token }),
        404,
        'not_found',
      );
      expectError(await t.call('DELETE', `/api/conversations/${id}`, { token: user.token }), 404, 'not_found');
      expectError(await t.call('GET', `/api/conversations/${id}/messages`, { token: user.token }), 404, 'not_found');
    }
    const res = await t.call('PUT', `/api/conversations/${randomUUID()}`, { json: {}, token: user.token });
    expectError(res, 405, 'method_not_allowed');
    expect(res.headers.get('allow')).toBe('GET, PATCH, DELETE');
  });
});
