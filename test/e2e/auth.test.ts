/**
 * Auth over real HTTP on both backends: register, login (email or username, throttled), cookie
 * authentication, logout, /api/me, and the conventions every request shares (415, 413, 400, 405).
 */
import { describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { expectError, unique, useE2e, type ErrorBody } from './api-fixture.js';

interface Grant {
  user: Record<string, unknown> & { id: string; lastLoginAt: string | null };
  token: string;
  expiresAt: string;
}

describe.each(backends)('auth ($name)', (backend) => {
  const t = useE2e(backend);

  it('registers a user: 201, public user shape, token, HttpOnly cookie', async () => {
    const id = unique();
    const res = await t.call<Grant>('POST', '/api/auth/register', {
      json: { email: `Mixed.${id}@Example.test`, username: `alice_${id}`, password: 'correct horse' },
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body.user).sort()).toEqual([
      'createdAt',
      'displayName',
      'email',
      'id',
      'lastLoginAt',
      'username',
    ]);
    expect(res.body.user).toMatchObject({
      email: `Mixed.${id}@Example.test`,
      username: `alice_${id}`,
      displayName: `alice_${id}`,
    });
    expect(res.body.token.length).toBeGreaterThanOrEqual(43);
    expect(Date.parse(res.body.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^tb_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    expect(JSON.stringify(res.body)).not.toMatch(/scrypt|passwordHash/);
  });

  it('rejects invalid registrations with one detail per bad field', async () => {
    const res = await t.call('POST', '/api/auth/register', {
      json: { email: 'nope', username: 'a!', password: 'short' },
    });
    expectError(res, 400, 'validation_failed');
    expect((res.body as ErrorBody).error.details.map((d) => d.path).sort()).toEqual(['email', 'password', 'username']);
    expectError(
      await t.call('POST', '/api/auth/register', {
        json: { email: `x${unique()}@a.test`, username: 'ok_name', password: 'x'.repeat(201) },
      }),
      400,
      'validation_failed',
      'password',
    );
    expectError(await t.call('POST', '/api/auth/register', { json: [] }), 400, 'validation_failed');
  });

  it('409 when the email or username is taken, compared case-insensitively', async () => {
    const user = await t.register();
    const other = unique();
    const byEmail = await t.call('POST', '/api/auth/register', {
      json: { email: user.email.toUpperCase(), username: `n_${other}`, password: 'password-1' },
    });
    expectError(byEmail, 409, 'conflict', 'email');
    const byUsername = await t.call('POST', '/api/auth/register', {
      json: { email: `n-${other}@example.test`, username: user.username.toUpperCase(), password: 'password-1' },
    });
    expectError(byUsername, 409, 'conflict', 'username');
  });

  it('logs in by email or username in any case, and sets lastLoginAt', async () => {
    const user = await t.register();
    for (const login of [user.email, user.username.toUpperCase()]) {
      const res = await t.call<Grant>('POST', '/api/auth/login', { json: { login, password: user.password } });
      expect(res.status).toBe(200);
      expect(res.body.user.id).toBe(user.id);
      expect(res.body.user.lastLoginAt).not.toBeNull();
      expect(res.headers.get('set-cookie')).toMatch(/^tb_session=/);
      expect((await t.call('GET', '/api/me', { token: res.body.token })).status).toBe(200);
    }
  });

  it('answers 401 with the same message for an unknown login and a wrong password', async () => {
    const user = await t.register();
    const wrong = await t.call('POST', '/api/auth/login', { json: { login: user.email, password: 'wrong password' } });
    const unknown = await t.call('POST', '/api/auth/login', {
      json: { login: `ghost-${unique()}@x.test`, password: 'whatever1' },
    });
    expectError(wrong, 401, 'unauthorized');
    expectError(unknown, 401, 'unauthorized');
    expect((wrong.body as ErrorBody).error.message).toBe((unknown.body as ErrorBody).error.message);
  });

  it('locks an account after 5 failures: 429 with Retry-After, even for the right password, by email too', async () => {
    const user = await t.register();
    for (let i = 0; i < 5; i++) {
      expectError(
        await t.call('POST', '/api/auth/login', { json: { login: user.username, password: `bad-${i}-password` } }),
        401,
        'unauthorized',
      );
    }
    const locked = await t.call('POST', '/api/auth/login', {
      json: { login: user.username.toUpperCase(), password: user.password },
    });
    expectError(locked, 429, 'rate_limited');
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // The throttle is the account's, not the identifier's: the email is locked too. Sessions still work.
    expectError(
      await t.call('POST', '/api/auth/login', { json: { login: user.email, password: user.password } }),
      429,
      'rate_limited',
    );
    expect((await t.call('GET', '/api/me', { token: user.token })).status).toBe(200);
  });

  it('authenticates with the tb_session cookie', async () => {
    const user = await t.register();
    const res = await t.call<{ user: { id: string } }>('GET', '/api/me', {
      headers: { cookie: `theme=dark; tb_session=${user.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(user.id);
    expectError(
      await t.call('GET', '/api/me', { headers: { cookie: 'tb_session=tb_not-a-real-token-at-all' } }),
      401,
      'unauthorized',
    );
  });

  it('GET /api/me returns the user and usage; 401 without or with a bad token', async () => {
    const user = await t.register();
    const res = await t.call<{ user: { id: string }; usage: { tier: string; daily: { used: number; limit: number } } }>(
      'GET',
      '/api/me',
      {
        token: user.token,
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(user.id);
    expect(res.body.usage).toMatchObject({
      tier: 'free',
      daily: { used: 0, limit: 100 },
      monthly: { used: 0, limit: 2000 },
      total: 0,
    });
    expectError(await t.call('GET', '/api/me'), 401, 'unauthorized');
    expectError(
      await t.call('GET', '/api/me', { token: 'tb_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }),
      401,
      'unauthorized',
    );
    expectError(
      await t.call('GET', '/api/me', { headers: { authorization: 'Basic Zm9vOmJhcg==' } }),
      401,
      'unauthorized',
    );
  });

  it('logout revokes the presented session only and clears the cookie', async () => {
    const user = await t.register();
    const second = await t.call<Grant>('POST', '/api/auth/login', {
      json: { login: user.email, password: user.password },
    });
    const res = await t.call('POST', '/api/auth/logout', { token: user.token });
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toMatch(/^tb_session=;.*Max-Age=0/);
    expectError(await t.call('GET', '/api/me', { token: user.token }), 401, 'unauthorized');
    expectError(await t.call('POST', '/api/auth/logout', { token: user.token }), 401, 'unauthorized');
    expect((await t.call('GET', '/api/me', { token: second.body.token })).status).toBe(200);
    expectError(await t.call('POST', '/api/auth/logout'), 401, 'unauthorized');
  });

  it('logout with an API token is 401 and revokes nothing', async () => {
    const user = await t.register();
    const created = await t.call<{ token: string }>('POST', '/api/tokens', {
      json: { name: 'cli' },
      token: user.token,
    });
    expectError(await t.call('POST', '/api/auth/logout', { token: created.body.token }), 401, 'unauthorized');
    expect((await t.call('GET', '/api/me', { token: created.body.token })).status).toBe(200);
  });

  it('enforces the request conventions: 415, 400 on malformed JSON, 413, 405 + Allow', async () => {
    const body = JSON.stringify({ login: 'x', password: 'y' });
    expectError(
      await t.call('POST', '/api/auth/login', { body, headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported_media_type',
    );
    expectError(
      await t.call('POST', '/api/auth/login', { body: '{"login":', headers: { 'content-type': 'application/json' } }),
      400,
      'bad_request',
    );
    const huge = JSON.stringify({ login: 'x', password: 'y'.repeat(1024 * 1024 + 10) });
    expectError(
      await t.call('POST', '/api/auth/register', { body: huge, headers: { 'content-type': 'application/json' } }),
      413,
      'payload_too_large',
    );
    const res = await t.call('GET', '/api/auth/login');
    expectError(res, 405, 'method_not_allowed');
    expect(res.headers.get('allow')).toBe('POST');
  });
});
