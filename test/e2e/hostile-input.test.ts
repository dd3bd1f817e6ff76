/**
 * Hostile input over real HTTP on both backends (issue 9, item 6): nesting far beyond the
 * documented depth (in a small body and in a 1 MiB one) → 400, `__proto__` metadata keys kept
 * as data and usable as a search filter, only canonical integer limits, cursors bound to their
 * list and to real timestamps, and `X-Content-Type-Options: nosniff` on every response.
 * The fixture's client fails a test on any 5xx.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../lib/canonical-json.js';
import { backends } from '../helpers/backends.js';
import { expectError, useE2e, type E2e, type TestUser } from './api-fixture.js';
import { behindVercel } from './harness.js';

interface Page {
  items: { id: string }[];
  nextCursor: string | null;
}

/** `{"a":{"a":…{"a":1}…}}` nested `levels` deep. */
const nestedObject = (levels: number, key = 'a'): string => `{"${key}":`.repeat(levels) + '1' + '}'.repeat(levels);

async function say(t: E2e, user: TestUser, conversationId: string, json: Record<string, unknown>) {
  return t.call<{ id: string; metadata: Record<string, unknown> }>(
    'POST',
    `/api/conversations/${conversationId}/messages`,
    {
      json: { role: 'user', content: 'hello hostile world', ...json },
      token: user.token,
    },
  );
}

/** The cursor with every ISO timestamp inside it moved to `year` (whatever the cursor's layout). */
function forgeYear(cursor: string, year: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const forged = text.replace(/"\d{4}(-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)"/g, `"${year}$1"`);
  expect(forged).not.toBe(text);
  return Buffer.from(forged, 'utf8').toString('base64url');
}

describe.each(backends)('hostile input ($name)', (backend) => {
  const t = useE2e(backend);

  it('metadata nested 1,500 levels (a 7 KB body) → 400 validation_failed on metadata', async () => {
    const user = await t.register();
    const conv = await t.conversation(user);
    const body = `{"role":"user","content":"deep","metadata":${nestedObject(1500, '')}}`;
    expect(body.length).toBeLessThan(8 * 1024);
    const res = await t.call('POST', `/api/conversations/${conv}/messages`, {
      body,
      headers: { 'content-type': 'application/json' },
      token: user.token,
    });
    expectError(res, 400, 'validation_failed', 'metadata');
  });

  it('metadata at the documented depth (64 levels) is accepted and returned exactly; 65 → 400', async () => {
    const user = await t.register();
    const conv = await t.conversation(user);
    const metadata = JSON.parse(nestedObject(64)) as Record<string, unknown>;
    const res = await say(t, user, conv, { metadata });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.metadata).toEqual(metadata);
    const tooDeep = await say(t, user, conv, { metadata: JSON.parse(nestedObject(65)) as Record<string, unknown> });
    expectError(tooDeep, 400, 'validation_failed', 'metadata');
  });

  it('a 1 MiB body of ~500,000 nested arrays → 400, anywhere in the body', async () => {
    const user = await t.register();
    const conv = await t.conversation(user);
    const levels = 500_000;
    const deep = '['.repeat(levels) + ']'.repeat(levels);
    const bodies = [deep, `{"role":"user","content":"x","metadata":{"k":${deep}}}`, `{"title":${deep}}`];
    for (const [path, body] of [
      [`/api/conversations/${conv}/messages`, bodies[0]!],
      [`/api/conversations/${conv}/messages`, bodies[1]!],
      ['/api/conversations', bodies[2]!],
    ] as const) {
      expect(body.length).toBeLessThanOrEqual(1024 * 1024);
      const res = await t.call('POST', path, {
        body,
        headers: { 'content-type': 'application/json' },
        token: user.token,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
    }
  });

  it('__proto__ metadata keys are kept as data at depth 0 and deeper, and work as a search filter', async () => {
    const user = await t.register();
    const conv = await t.conversation(user);
    const body =
      '{"role":"user","content":"prototype pollution probe","metadata":{"__proto__":"top","n":{"__proto__":{"x":1}},"l":[{"__proto__":2}]}}';
    const res = await t.call<{ id: string; metadata: unknown }>('POST', `/api/conversations/${conv}/messages`, {
      body,
      headers: { 'content-type': 'application/json' },
      token: user.token,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const expected = JSON.parse(body) as { metadata: unknown };
    // Compared as canonical JSON (keys sorted): PostgreSQL's jsonb does not keep key order.
    expect(canonicalJson(res.body.metadata)).toBe(canonicalJson(expected.metadata));
    expect(canonicalJson(res.body.metadata)).toContain('"__proto__":"top"');

    const list = await t.call<{ items: { metadata: unknown }[] }>('GET', `/api/conversations/${conv}/messages`, {
      token: user.token,
    });
    expect(canonicalJson(list.body.items[0]?.metadata)).toBe(canonicalJson(expected.metadata));
    expect(({} as Record<string, unknown>).x).toBeUndefined();

    await say(t, user, conv, { content: 'prototype pollution other', metadata: { plain: 'top' } });
    const hits = await t.call<{ items: { message: { id: string } }[] }>(
      'GET',
      '/api/search?q=prototype&meta.__proto__=top',
      {
        token: user.token,
      },
    );
    expect(hits.status, JSON.stringify(hits.body)).toBe(200);
    expect(hits.body.items.map((h) => h.message.id)).toEqual([res.body.id]);
    const none = await t.call<{ items: unknown[] }>('GET', '/api/search?q=prototype&meta.__proto__=nope', {
      token: user.token,
    });
    expect(none.body.items).toEqual([]);
  });

  it.each(['1e1', '0x10', '+5', '05', '1.0', ' 5', '5 ', '0', '101', '-1', '', 'abc'])(
    'limit=%j → 400 on every list route',
    async (limit) => {
      const user = await t.register();
      const conv = await t.conversation(user);
      const q = `limit=${encodeURIComponent(limit)}`;
      for (const path of ['/api/conversations?', `/api/conversations/${conv}/messages?`, '/api/search?q=x&']) {
        expectError(await t.call('GET', `${path}${q}`, { token: user.token }), 400, 'validation_failed', 'limit');
      }
    },
  );

  it('a repeated limit → 400; a canonical one is accepted', async () => {
    const user = await t.register();
    for (const path of ['/api/conversations?limit=5&limit=6', '/api/search?q=x&limit=5&limit=5']) {
      expectError(await t.call('GET', path, { token: user.token }), 400, 'validation_failed', 'limit');
    }
    expect((await t.call('GET', '/api/conversations?limit=100', { token: user.token })).status).toBe(200);
    expect((await t.call('GET', '/api/conversations?limit=7', { token: user.token })).status).toBe(200);
  });

  it('a messages cursor from one conversation is refused on another (and on other lists)', async () => {
    const user = await t.register();
    const a = await t.conversation(user);
    const b = await t.conversation(user);
    for (let i = 0; i < 3; i++) {
      expect((await say(t, user, a, { content: `a${i}` })).status).toBe(201);
      expect((await say(t, user, b, { content: `b${i}` })).status).toBe(201);
    }
    const page = await t.call<Page>('GET', `/api/conversations/${a}/messages?limit=1`, { token: user.token });
    const cursor = page.body.nextCursor;
    expect(cursor).toEqual(expect.any(String));
    const same = await t.call<Page>('GET', `/api/conversations/${a}/messages?limit=1&cursor=${cursor}`, {
      token: user.token,
    });
    expect(same.status).toBe(200);
    expect(same.body.items).toHaveLength(1);
    expectError(
      await t.call('GET', `/api/conversations/${b}/messages?limit=1&cursor=${cursor}`, { token: user.token }),
      400,
      'validation_failed',
      'cursor',
    );
  });

  it('a search cursor is refused for another query', async () => {
    const user = await t.register();
    const conv = await t.conversation(user);
    for (let i = 0; i < 3; i++) expect((await say(t, user, conv, { content: `alpha beta ${i}` })).status).toBe(201);
    const page = await t.call<Page>('GET', '/api/search?q=alpha&limit=1', { token: user.token });
    const cursor = page.body.nextCursor;
    expect(cursor).toEqual(expect.any(String));
    expect((await t.call('GET', `/api/search?q=alpha&limit=1&cursor=${cursor}`, { token: user.token })).status).toBe(
      200,
    );
    expectError(
      await t.call('GET', `/api/search?q=beta&limit=1&cursor=${cursor}`, { token: user.token }),
      400,
      'validation_failed',
      'cursor',
    );
    expectError(
      await t.call('GET', `/api/search?q=alpha&role=user&limit=1&cursor=${cursor}`, { token: user.token }),
      400,
      'validation_failed',
      'cursor',
    );
  });

  it.each(['0000', '10000'])('a forged cursor with year %s → 400 on every list', async (year) => {
    const user = await t.register();
    const conv = await t.conversation(user);
    for (let i = 0; i < 2; i++) {
      expect((await say(t, user, conv, { content: `gamma ${i}` })).status).toBe(201);
      await t.conversation(user);
    }
    for (const path of [
      `/api/conversations/${conv}/messages?limit=1`,
      '/api/conversations?limit=1',
      '/api/search?q=gamma&limit=1',
    ]) {
      const page = await t.call<Page>('GET', path, { token: user.token });
      expect(page.body.nextCursor, path).toEqual(expect.any(String));
      const forged = forgeYear(page.body.nextCursor!, year);
      expectError(
        await t.call('GET', `${path}&cursor=${forged}`, { token: user.token }),
        400,
        'validation_failed',
        'cursor',
      );
    }
  });

  it('every response carries X-Content-Type-Options: nosniff (success, error, unknown route)', async () => {
    const user = await t.register();
    const responses = [
      await t.call('GET', '/api/health'),
      await t.call('GET', '/api/conversations', { token: user.token }),
      await t.call('GET', '/api/conversations'),
      // On Vercel an unknown path is the platform's own 404 (no function runs): ours only elsewhere.
      ...(behindVercel() ? [] : [await t.call('GET', '/api/no-such-route')]),
      await t.call('DELETE', '/api/health'),
      await t.call('POST', '/api/conversations', {
        body: '{',
        headers: { 'content-type': 'application/json' },
        token: user.token,
      }),
    ];
    const unknownRoute = behindVercel() ? [] : [404];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 401, ...unknownRoute, 405, 400]);
    for (const res of responses) expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
