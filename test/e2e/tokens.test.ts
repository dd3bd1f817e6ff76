/**
 * API tokens over real HTTP on both backends: create (plaintext once), list, authenticate,
 * revoke; revoked and expired credentials are 401; another user's token id is 404.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateToken } from '../../lib/auth/credentials.js';
import { backends } from '../helpers/backends.js';
import { expectError, useE2e } from './api-fixture.js';

interface PublicToken {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

describe.each(backends)('API tokens ($name)', (backend) => {
  const t = useE2e(backend);

  it('creates a token shown once, lists it without the secret, and authenticates with it', async () => {
    const user = await t.register();
    const created = await t.call<{ token: string; apiToken: PublicToken }>('POST', '/api/tokens', {
      json: { name: 'laptop', expiresInDays: 30 },
      token: user.token,
    });
    expect(created.status).toBe(201);
    expect(created.body.apiToken).toMatchObject({
      name: 'laptop',
      prefix: created.body.token.slice(0, 8),
      lastUsedAt: null,
    });
    expect(Date.parse(created.body.apiToken.expiresAt ?? '') - Date.now()).toBeGreaterThan(29 * 86_400_000);

    const me = await t.call<{ user: { id: string } }>('GET', '/api/me', { token: created.body.token });
    expect(me.body.user.id).toBe(user.id);

    const list = await t.call<{ items: PublicToken[] }>('GET', '/api/tokens', { token: user.token });
    expect(list.status).toBe(200);
    expect(list.body.items.map((i) => i.id)).toEqual([created.body.apiToken.id]);
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);
    expect(Object.keys(list.body.items[0] ?? {}).sort()).toEqual([
      'createdAt',
      'expiresAt',
      'id',
      'lastUsedAt',
      'name',
      'prefix',
    ]);
  });

  it('lists tokens newest first; a token without expiresInDays never expires', async () => {
    const user = await t.register();
    for (const name of ['first', 'second']) {
      const res = await t.call<{ apiToken: PublicToken }>('POST', '/api/tokens', { json: { name }, token: user.token });
      expect(res.body.apiToken.expiresAt).toBeNull();
    }
    const list = await t.call<{ items: PublicToken[] }>('GET', '/api/tokens', { token: user.token });
    expect(list.body.items.map((i) => i.name)).toEqual(['second', 'first']);
  });

  it('validates the body: name 1–100, expiresInDays 1–3650', async () => {
    const user = await t.register();
    for (const json of [{}, { name: '' }, { name: 'x'.repeat(101) }, { name: 'a\u0000b' }]) {
      expectError(await t.call('POST', '/api/tokens', { json, token: user.token }), 400, 'validation_failed', 'name');
    }
    for (const expiresInDays of [0, 3651, 1.5, '7']) {
      const res = await t.call('POST', '/api/tokens', { json: { name: 'n', expiresInDays }, token: user.token });
      expectError(res, 400, 'validation_failed', 'expiresInDays');
    }
    expectError(await t.call('POST', '/api/tokens', { json: { name: 'n' } }), 401, 'unauthorized');
    expectError(await t.call('GET', '/api/tokens'), 401, 'unauthorized');
  });

  it('DELETE revokes the token (then 401); unknown, foreign and non-UUID ids are 404', async () => {
    const alice = await t.register();
    const bob = await t.register();
    const created = await t.call<{ token: string; apiToken: PublicToken }>('POST', '/api/tokens', {
      json: { name: 'ci' },
      token: alice.token,
    });
    const path = `/api/tokens/${created.body.apiToken.id}`;

    expectError(await t.call('DELETE', path, { token: bob.token }), 404, 'not_found');
    expect((await t.call('GET', '/api/me', { token: created.body.token })).status).toBe(200);
    expectError(await t.call('DELETE', `/api/tokens/${randomUUID()}`, { token: alice.token }), 404, 'not_found');
    expectError(await t.call('DELETE', '/api/tokens/not-a-uuid', { token: alice.token }), 404, 'not_found');

    expect((await t.call('DELETE', path, { token: alice.token })).status).toBe(204);
    expectError(await t.call('GET', '/api/me', { token: created.body.token }), 401, 'unauthorized');
    expectError(await t.call('DELETE', path, { token: alice.token }), 404, 'not_found');
    const res = await t.call('GET', path, { token: alice.token });
    expectError(res, 405, 'method_not_allowed');
    expect(res.headers.get('allow')).toBe('DELETE');
  });

  it('expired API tokens and sessions are 401', async () => {
    const user = await t.register();
    const { store } = t.instance();
    const past = new Date(Date.now() - 60_000).toISOString();
    const longAgo = new Date(Date.now() - 3_600_000).toISOString();
    const apiToken = generateToken();
    await store.createApiToken({
      id: randomUUID(),
      userId: user.id,
      name: 'old',
      prefix: apiToken.prefix,
      tokenHash: apiToken.hash,
      createdAt: longAgo,
      lastUsedAt: null,
      expiresAt: past,
    });
    const session = generateToken();
    await store.createSession({
      id: randomUUID(),
      userId: user.id,
      tokenHash: session.hash,
      createdAt: longAgo,
      expiresAt: past,
      lastSeenAt: longAgo,
    });
    expectError(await t.call('GET', '/api/me', { token: apiToken.token }), 401, 'unauthorized');
    expectError(await t.call('GET', '/api/me', { token: session.token }), 401, 'unauthorized');
    expectError(
      await t.call('GET', '/api/me', { headers: { cookie: `tb_session=${session.token}` } }),
      401,
      'unauthorized',
    );
  });
});
