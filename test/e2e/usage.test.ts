/**
 * Usage limits over real HTTP on both backends, with a server configured for 5 messages a day:
 * 20 concurrent posts succeed exactly 5 times, the rest are 429 with Retry-After, and only
 * `role: "user"` messages count.
 */
import { describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { expectError, useE2e } from './api-fixture.js';
import { api, startTestServer } from './harness.js';

interface Usage {
  tier: string;
  daily: { used: number; limit: number; resetsAt: string };
  monthly: { used: number; limit: number; resetsAt: string };
  total: number;
}

function nextUtcMidnight(): string {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)).toISOString();
}

const LIMITS = JSON.stringify({ free: { daily: 5, monthly: 100 } });

describe.each(backends)('usage limits ($name)', (backend) => {
  const t = useE2e(backend, { USAGE_LIMITS: LIMITS });

  it('GET /api/usage reports the tier, limits, counts and reset times', async () => {
    const user = await t.register();
    const id = await t.conversation(user);
    await t.call('POST', `/api/conversations/${id}/messages`, {
      json: { role: 'user', content: 'one' },
      token: user.token,
    });
    await t.call('POST', `/api/conversations/${id}/messages`, {
      json: { role: 'assistant', content: 'reply' },
      token: user.token,
    });
    const res = await t.call<Usage>('GET', '/api/usage', { token: user.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      tier: 'free',
      daily: { used: 1, limit: 5, resetsAt: nextUtcMidnight() },
      monthly: { used: 1, limit: 100, resetsAt: expect.stringMatching(/^\d{4}-\d\d-01T00:00:00\.000Z$/) as unknown },
      total: 1,
    });
    expectError(await t.call('GET', '/api/usage'), 401, 'unauthorized');
  });

  it("shows the limits of the user's tier (pro keeps its defaults when USAGE_LIMITS names only free)", async () => {
    const user = await t.register();
    await t.instance().store.setTier(user.id, 'pro');
    const res = await t.call<Usage>('GET', '/api/usage', { token: user.token });
    expect(res.body).toMatchObject({
      tier: 'pro',
      daily: { used: 0, limit: 2000 },
      monthly: { used: 0, limit: 50000 },
    });
  });

  it('20 concurrent user messages with 5 remaining: exactly 5 × 201, 15 × 429, 5 stored', async () => {
    const user = await t.register();
    const id = await t.conversation(user);
    const path = `/api/conversations/${id}/messages`;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.call('POST', path, { json: { role: 'user', content: `burst ${i}` }, token: user.token }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    for (const res of results.filter((r) => r.status === 429)) {
      expectError(res, 429, 'rate_limited');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    const list = await t.call<{ items: { content: string }[] }>('GET', `${path}?limit=100`, { token: user.token });
    expect(list.body.items).toHaveLength(5);
    const conv = await t.call<{ messageCount: number }>('GET', `/api/conversations/${id}`, { token: user.token });
    expect(conv.body.messageCount).toBe(5);
    const usage = await t.call<Usage>('GET', '/api/usage', { token: user.token });
    expect(usage.body.daily).toMatchObject({ used: 5, limit: 5 });

    // Assistant and system messages never count, even with the quota used up.
    const reply = await t.call('POST', path, { json: { role: 'assistant', content: 'still fine' }, token: user.token });
    expect(reply.status).toBe(201);
    const me = await t.call<{ usage: Usage }>('GET', '/api/me', { token: user.token });
    expect(me.body.usage.daily.used).toBe(5);
    expect(me.body.usage.total).toBe(5);
  });

  it('counts atomically across two server processes sharing the storage', async () => {
    const user = await t.register();
    const id = await t.conversation(user);
    const path = `/api/conversations/${id}/messages`;
    const second = await startTestServer(t.instance(), { USAGE_LIMITS: LIMITS });
    try {
      const other = api(second.url);
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) => {
          const options = { json: { role: 'user', content: `split ${i}` }, token: user.token };
          return i % 2 === 0 ? t.call('POST', path, options) : other('POST', path, options);
        }),
      );
      const statuses = results.map((r) => r.status);
      expect(
        statuses.every((s) => s === 201 || s === 429),
        second.output(),
      ).toBe(true);
      expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    } finally {
      await second.stop();
    }
    const list = await t.call<{ items: unknown[] }>('GET', `${path}?limit=100`, { token: user.token });
    expect(list.body.items).toHaveLength(5);
  });

  it('each user has their own allowance', async () => {
    const first = await t.register();
    const second = await t.register();
    for (const user of [first, second]) {
      const id = await t.conversation(user);
      for (let i = 0; i < 5; i++) {
        const res = await t.call('POST', `/api/conversations/${id}/messages`, {
          json: { role: 'user', content: `m${i}` },
          token: user.token,
        });
        expect(res.status).toBe(201);
      }
      const over = await t.call('POST', `/api/conversations/${id}/messages`, {
        json: { role: 'user', content: 'over' },
        token: user.token,
      });
      expectError(over, 429, 'rate_limited');
      const retryAfter = Number(over.headers.get('retry-after'));
      expect(retryAfter).toBeLessThanOrEqual(Math.ceil((Date.parse(nextUtcMidnight()) - Date.now()) / 1000) + 5);
    }
  });
});
