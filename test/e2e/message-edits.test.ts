/**
 * Over real HTTP on both backends: client-chosen ids and parts on POST, PUT/DELETE of one
 * message, DELETE ?after=, PUT of the whole list (idempotent repeat, 409, usage counted once),
 * PATCH archived and ?archived=true, search over parts, 404 for other users.
 */
import { describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { expectError, useE2e } from './api-fixture.js';

interface Message {
  id: string;
  conversationId: string;
  role: string;
  content: string;
  parts: Record<string, unknown>[] | null;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const parts = [
  { type: 'text', text: 'Where do puffins nest?' },
  {
    type: 'tool-lookup',
    toolCallId: 'c1',
    state: 'output-available',
    input: { q: 'puffins' },
    output: { answer: 'cliffs' },
  },
];

describe.each(backends)('message edits ($name)', (backend) => {
  const t = useE2e(backend);

  it('POST with a client id and parts; content defaults to the text parts; 409 on a taken id', async () => {
    const user = await t.register();
    const path = `/api/conversations/${await t.conversation(user)}/messages`;
    const res = await t.call<Message>('POST', path, { json: { id: 'ui-1', role: 'user', parts }, token: user.token });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: 'ui-1',
      content: 'Where do puffins nest?',
      parts,
      updatedAt: res.body.createdAt,
    });
    expectError(
      await t.call('POST', path, { json: { id: 'ui-1', role: 'user', content: 'again' }, token: user.token }),
      409,
      'conflict',
      'id',
    );
    expectError(
      await t.call('POST', path, { json: { id: 'bad id!', role: 'user', content: 'x' }, token: user.token }),
      400,
      'validation_failed',
      'id',
    );
    expectError(
      await t.call('POST', path, { json: { role: 'user', parts: [{ text: 'no type' }] }, token: user.token }),
      400,
      'validation_failed',
    );
    const plain = await t.call<Message>('POST', path, {
      json: { role: 'assistant', content: 'hi' },
      token: user.token,
    });
    expect(plain.body.parts).toBeNull();
    const hits = await t.call<{ items: { message: Message }[] }>('GET', '/api/search?q=puffins', { token: user.token });
    expect(hits.body.items.map((h) => h.message.id)).toEqual(['ui-1']);
  });

  it('PUT one message: 201 created (counted), 200 replaced (not counted); DELETE one; 404 for another user', async () => {
    const user = await t.register();
    const other = await t.register();
    const id = await t.conversation(user);
    const one = `/api/conversations/${id}/messages/m-1`;
    const created = await t.call<Message>('PUT', one, { json: { role: 'user', content: 'first' }, token: user.token });
    expect(created.status).toBe(201);
    const used = (await t.call<{ daily: { used: number } }>('GET', '/api/usage', { token: user.token })).body.daily
      .used;
    const replaced = await t.call<Message>('PUT', one, {
      json: { role: 'user', content: 'edited', parts: [{ type: 'text', text: 'edited' }] },
      token: user.token,
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id: 'm-1', content: 'edited', createdAt: created.body.createdAt });
    expect(
      (await t.call<{ daily: { used: number } }>('GET', '/api/usage', { token: user.token })).body.daily.used,
    ).toBe(used);
    expectError(
      await t.call('PUT', one, { json: { role: 'user', content: 'x' }, token: other.token }),
      404,
      'not_found',
    );
    expectError(await t.call('DELETE', one, { token: other.token }), 404, 'not_found');
    expect((await t.call('DELETE', one, { token: user.token })).status).toBe(204);
    expectError(await t.call('DELETE', one, { token: user.token }), 404, 'not_found');
    const conv = await t.call<{ messageCount: number }>('GET', `/api/conversations/${id}`, { token: user.token });
    expect(conv.body.messageCount).toBe(0);
  });

  it('PUT the whole list: atomic, repeat changes and counts nothing, 409 on reorder; DELETE ?after= (regenerate)', async () => {
    const user = await t.register();
    const id = await t.conversation(user);
    const path = `/api/conversations/${id}/messages`;
    const list = [
      { id: 'u1', role: 'user', content: 'question one' },
      { id: 'a1', role: 'assistant', parts: [{ type: 'text', text: 'answer one' }] },
      { id: 'u2', role: 'user', content: 'question two' },
    ];
    const usage = async () =>
      (await t.call<{ daily: { used: number } }>('GET', '/api/usage', { token: user.token })).body.daily.used;
    const before = await usage();
    const first = await t.call<{ items: Message[] }>('PUT', path, { json: { messages: list }, token: user.token });
    expect(first.status).toBe(200);
    expect(first.body.items.map((m) => m.id)).toEqual(['u1', 'a1', 'u2']);
    expect(await usage()).toBe(before + 2);
    const repeat = await t.call<{ items: Message[] }>('PUT', path, { json: { messages: list }, token: user.token });
    expect(repeat.body).toEqual(first.body);
    expect(await usage()).toBe(before + 2);
    expectError(
      await t.call('PUT', path, { json: { messages: [list[1], list[0]] }, token: user.token }),
      409,
      'conflict',
    );
    expectError(await t.call('PUT', path, { json: { messages: [] }, token: user.token }), 400, 'validation_failed');

    expect((await t.call('DELETE', `${path}?after=a1`, { token: user.token })).status).toBe(204);
    const page = await t.call<Page<Message>>('GET', path, { token: user.token });
    expect(page.body.items.map((m) => m.id)).toEqual(['u1', 'a1']);
    expectError(await t.call('DELETE', `${path}?after=missing`, { token: user.token }), 404, 'not_found');
  });

  it('PATCH archived hides a conversation from the default list; ?archived=true lists it', async () => {
    const user = await t.register();
    const id = await t.conversation(user, 'to archive');
    const patched = await t.call<{ archived: boolean; title: string }>('PATCH', `/api/conversations/${id}`, {
      json: { archived: true },
      token: user.token,
    });
    expect(patched.body).toMatchObject({ archived: true, title: 'to archive' });
    expectError(
      await t.call('PATCH', `/api/conversations/${id}`, { json: {}, token: user.token }),
      400,
      'validation_failed',
    );
    const active = await t.call<Page<{ id: string }>>('GET', '/api/conversations', { token: user.token });
    expect(active.body.items.map((c) => c.id)).not.toContain(id);
    const archived = await t.call<Page<{ id: string; archived: boolean }>>('GET', '/api/conversations?archived=true', {
      token: user.token,
    });
    expect(archived.body.items).toEqual([expect.objectContaining({ id, archived: true })]);
  });
});
