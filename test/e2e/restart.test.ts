/**
 * A server restart loses nothing: users, sessions, API tokens, conversations, messages and usage
 * written through one server process are all there, unchanged, through the next one.
 */
import { describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { useE2e } from './api-fixture.js';

describe.each(backends)('restart ($name)', (backend) => {
  const t = useE2e(backend);

  it('keeps every write across a restart', async () => {
    const user = await t.register();
    const apiToken = await t.call<{ token: string }>('POST', '/api/tokens', {
      json: { name: 'keep' },
      token: user.token,
    });
    const id = await t.conversation(user, 'Survives');
    for (const content of ['durable one', 'durable two']) {
      const res = await t.call('POST', `/api/conversations/${id}/messages`, {
        json: { role: 'user', content },
        token: user.token,
      });
      expect(res.status).toBe(201);
    }
    const before = await t.call('GET', `/api/conversations/${id}`, { token: user.token });
    const usageBefore = await t.call<{ total: number }>('GET', '/api/usage', { token: user.token });

    await t.server().restart();

    expect(await t.call('GET', `/api/conversations/${id}`, { token: user.token })).toMatchObject({
      status: 200,
      body: before.body,
    });
    expect((await t.call('GET', '/api/me', { token: apiToken.body.token })).status).toBe(200);
    const usage = await t.call<{ total: number }>('GET', '/api/usage', { token: user.token });
    expect(usage.body.total).toBe(usageBefore.body.total);
    expect(usage.body.total).toBe(2);
    const login = await t.call('POST', '/api/auth/login', { json: { login: user.username, password: user.password } });
    expect(login.status).toBe(200);
    const found = await t.call<{ items: unknown[] }>('GET', '/api/search?q=durable', { token: user.token });
    expect(found.body.items).toHaveLength(2);
  });
});
