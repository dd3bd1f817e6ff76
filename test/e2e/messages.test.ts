/**
 * Appending messages over real HTTP on both backends: roles, content and metadata limits, text
 * PostgreSQL cannot store (NUL, lone surrogates) → 400 naming the field, and Idempotency-Key
 * replays and conflicts on both idempotent POSTs.
 */
import { describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { expectError, useE2e } from './api-fixture.js';

interface Message {
  id: string;
  conversationId: string;
  role: string;
  content: string;
  metadata: Record<string, unknown>;
  createdAt: string;
}

describe.each(backends)('messages ($name)', (backend) => {
  const t = useE2e(backend);

  it('appends messages of every role with metadata (default {}) and bumps the conversation', async () => {
    const user = await t.register();
    const id = await t.conversation(user);
    const path = `/api/conversations/${id}/messages`;
    const meta = { model: 'gpt', tokens: 12, nested: { list: [1, 'two', null, true] } };
    const res = await t.call<Message>('POST', path, {
      json: { role: 'system', content: 'be nice', metadata: meta },
      token: user.token,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ conversationId: id, role: 'system', content: 'be nice', metadata: meta });
    expect(res.body.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const plain = await t.call<Message>('POST', path, {
      json: { role: 'assistant', content: '  spaced  ' },
      token: user.token,
    });
    expect(plain.body).toMatchObject({ metadata: {}, content: '  spaced  ' });
    const conv = await t.call<{ updatedAt: string; messageCount: number }>('GET', `/api/conversations/${id}`, {
      token: user.token,
    });
    expect(conv.body).toMatchObject({ updatedAt: plain.body.createdAt, messageCount: 2 });
  });

  it('validates role, content length and metadata shape and size', async () => {
    const user = await t.register();
    const path = `/api/conversations/${await t.conversation(user)}/messages`;
    const bad: [Record<string, unknown>, string][] = [
      [{ role: 'robot', content: 'x' }, 'role'],
      [{ content: 'x' }, 'role'],
      [{ role: 'user', content: '' }, 'content'],
      [{ role: 'user', content: 'x'.repeat(100_001) }, 'content'],
      [{ role: 'user', content: 42 }, 'content'],
      [{ role: 'user', content: 'x', metadata: [1, 2] }, 'metadata'],
      [{ role: 'user', content: 'x', metadata: 'str' }, 'metadata'],
      [{ role: 'user', content: 'x', metadata: null }, 'metadata'],
      [{ role: 'user', content: 'x', metadata: { big: 'y'.repeat(64 * 1024) } }, 'metadata'],
    ];
    for (const [json, field] of bad) {
      expectError(await t.call('POST', path, { json, token: user.token }), 400, 'validation_failed', field);
    }
    const max = await t.call('POST', path, {
      json: { role: 'assistant', content: 'x'.repeat(100_000) },
      token: user.token,
    });
    expect(max.status).toBe(201);
  });

  it('rejects NUL and lone surrogates anywhere, naming the field, and stores nothing', async () => {
    const user = await t.register();
    const id = await t.conversation(user);
    const path = `/api/conversations/${id}/messages`;
    const cases: [Record<string, unknown>, string][] = [
      [{ role: 'user', content: 'a\u0000b' }, 'content'],
      [{ role: 'user', content: 'a\ud800b' }, 'content'],
      [{ role: 'user', content: 'end\udc00' }, 'content'],
      [{ role: 'user', content: 'ok', metadata: { note: 'x\u0000' } }, 'metadata.note'],
      [{ role: 'user', content: 'ok', metadata: { 'k\u0000': 1 } }, 'metadata.k\u0000'],
      [{ role: 'user', content: 'ok', metadata: { list: ['fine', '\udfff'] } }, 'metadata.list.1'],
    ];
    for (const [json, field] of cases) {
      expectError(await t.call('POST', path, { json, token: user.token }), 400, 'validation_failed', field);
    }
    const emoji = await t.call<Message>('POST', path, {
      json: { role: 'user', content: 'paired 😀 ok' },
      token: user.token,
    });
    expect(emoji.body.content).toBe('paired 😀 ok');
    const list = await t.call<{ items: Message[] }>('GET', path, { token: user.token });
    expect(list.body.items.map((m) => m.content)).toEqual(['paired 😀 ok']);
  });

  it('replays a message POST with the same Idempotency-Key and writes it once', async () => {
    const user = await t.register();
    const id = await t.conversation(user);
    const path = `/api/conversations/${id}/messages`;
    const headers = { 'idempotency-key': 'retry-key-1' };
    const json = { role: 'user', content: 'exactly once', metadata: { a: 1, b: 2 } };
    const first = await t.call<Message>('POST', path, { json, headers, token: user.token });
    expect(first.status).toBe(201);
    const reordered = { metadata: { b: 2, a: 1 }, content: 'exactly once', role: 'user' };
    const again = await t.call<Message>('POST', path, { json: reordered, headers, token: user.token });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);

    const conflict = await t.call('POST', path, {
      json: { ...json, content: 'different' },
      headers,
      token: user.token,
    });
    expectError(conflict, 409, 'conflict', 'Idempotency-Key');
    const list = await t.call<{ items: Message[] }>('GET', path, { token: user.token });
    expect(list.body.items).toEqual([first.body]);
    const usage = await t.call<{ daily: { used: number } }>('GET', '/api/usage', { token: user.token });
    expect(usage.body.daily.used).toBe(1);
    // Keys are per user: another user's identical key is an independent request.
    const other = await t.register();
    const otherId = await t.conversation(other);
    const res = await t.call('POST', `/api/conversations/${otherId}/messages`, { json, headers, token: other.token });
    expect(res.status).toBe(201);
  });

  it('concurrent retries with one Idempotency-Key write once and all get the same 201', async () => {
    const user = await t.register();
    const id = await t.conversation(user);
    const path = `/api/conversations/${id}/messages`;
    const headers = { 'idempotency-key': 'burst-retry' };
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.call<Message>('POST', path, { json: { role: 'user', content: 'once' }, headers, token: user.token }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    const first = results[0]?.body;
    for (const res of results) expect(res.body).toEqual(first);
    const list = await t.call<{ items: Message[] }>('GET', path, { token: user.token });
    expect(list.body.items).toHaveLength(1);
    const usage = await t.call<{ daily: { used: number } }>('GET', '/api/usage', { token: user.token });
    expect(usage.body.daily.used).toBe(1);
  });

  it('replays a conversation POST and rejects malformed Idempotency-Key headers', async () => {
    const user = await t.register();
    const headers = { 'idempotency-key': 'conv-create-7' };
    const first = await t.call<{ id: string }>('POST', '/api/conversations', {
      json: { title: 'Once' },
      headers,
      token: user.token,
    });
    const again = await t.call<{ id: string }>('POST', '/api/conversations', {
      json: { title: 'Once' },
      headers,
      token: user.token,
    });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const list = await t.call<{ items: unknown[] }>('GET', '/api/conversations', { token: user.token });
    expect(list.body.items).toHaveLength(1);
    expectError(
      await t.call('POST', '/api/conversations', { json: { title: 'Twice' }, headers, token: user.token }),
      409,
      'conflict',
      'Idempotency-Key',
    );
    for (const key of ['has space', 'x'.repeat(201), 'tab\tkey']) {
      const res = await t.call('POST', '/api/conversations', {
        json: {},
        headers: { 'idempotency-key': key },
        token: user.token,
      });
      expectError(res, 400, 'validation_failed', 'Idempotency-Key');
    }
  });
});
