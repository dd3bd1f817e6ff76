/**
 * CORS and the cross-site cookie guard end to end, per backend, against the dev server process
 * (API.md, Conventions; docs/browsers.md): preflights before dispatch/auth/body checks, the
 * response headers for listed origins (errors and unknown routes included), nothing for other
 * origins or when CORS_ORIGINS is unset, and cookie-authenticated writes refused from foreign
 * origins while Bearer writes, listed origins and same-host pages still work.
 */
import { describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { useE2e, type ErrorBody } from './api-fixture.js';
import { behindVercel } from './harness.js';

const LISTED = 'http://app.test:5173';
const OTHER_LISTED = 'http://localhost:5173';
const UNLISTED = 'https://evil.test';
const ENV = { CORS_ORIGINS: `${LISTED}, ${OTHER_LISTED}`, COOKIE_SAME_SITE: 'none' };

function accessControlHeaders(headers: Headers): string[] {
  return [...headers.keys()].filter((name) => name.startsWith('access-control-'));
}

function preflight(
  origin: string,
  method: string,
  requestHeaders = 'authorization, content-type, idempotency-key',
): Record<string, string> {
  return { origin, 'access-control-request-method': method, 'access-control-request-headers': requestHeaders };
}

function expectResponseCors(headers: Headers, origin: string): void {
  expect(headers.get('access-control-allow-origin')).toBe(origin);
  expect(headers.get('access-control-allow-credentials')).toBe('true');
  expect(headers.get('access-control-expose-headers')).toBe('X-Request-Id, Retry-After');
  expect(headers.get('vary')).toBe('Origin');
}

describe.each(backends)('CORS with CORS_ORIGINS set ($name)', (backend) => {
  const e2e = useE2e(backend, ENV);

  it('answers a preflight from a listed origin with 204 before auth and body checks', async () => {
    for (const [path, methods] of [
      ['/api/conversations', 'GET, POST'],
      ['/api/conversations/some-id/messages', 'GET, POST, PUT, DELETE'],
      ['/api/conversations/some-id/messages/msg-1', 'PUT, DELETE'],
      ['/api/tokens/x', 'DELETE'],
      ['/api/auth/register', 'POST'],
    ] as const) {
      const res = await e2e.call('OPTIONS', path, { headers: preflight(LISTED, 'POST') });
      expect(res.status, path).toBe(204);
      expect(res.body).toBeUndefined();
      expect(res.headers.get('access-control-allow-origin')).toBe(LISTED);
      expect(res.headers.get('access-control-allow-methods')).toBe(methods);
      expect(res.headers.get('access-control-allow-headers')).toBe(
        'Authorization, Content-Type, Idempotency-Key, X-Request-Id',
      );
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
      expect(res.headers.get('vary')).toBe('Origin');
      expect(res.headers.get('allow')).toBe(`${methods}, OPTIONS`);
      expect(res.headers.get('x-request-id')).toBeTruthy();
    }
    const second = await e2e.call('OPTIONS', '/api/me', { headers: preflight(OTHER_LISTED, 'GET') });
    expect(second.headers.get('access-control-allow-origin')).toBe(OTHER_LISTED);
  });

  it('gives an unlisted origin no Access-Control-* header, on preflights and on real requests', async () => {
    const pre = await e2e.call('OPTIONS', '/api/conversations', { headers: preflight(UNLISTED, 'POST') });
    expect(pre.status).toBe(204);
    expect(accessControlHeaders(pre.headers)).toEqual([]);
    const res = await e2e.call('GET', '/api/me', { headers: { origin: UNLISTED } });
    expect(res.status).toBe(401);
    expect(accessControlHeaders(res.headers)).toEqual([]);
    expect(res.headers.get('vary')).toBe('Origin');
    // Prefix or case variants of a listed origin are other origins.
    const near = await e2e.call('GET', '/api/health', { headers: { origin: `${LISTED}0` } });
    expect(accessControlHeaders(near.headers)).toEqual([]);
  });

  it('answers OPTIONS without a preflight with 204 and Allow', async () => {
    const res = await e2e.call('OPTIONS', '/api/health');
    expect(res.status).toBe(204);
    expect(res.headers.get('allow')).toBe('GET, OPTIONS');
    expect(accessControlHeaders(res.headers)).toEqual([]);
  });

  it('puts the CORS headers on successes, errors and unknown routes for a listed origin', async () => {
    const user = await e2e.register();
    const ok = await e2e.call('POST', '/api/conversations', {
      json: { title: 'cors' },
      token: user.token,
      headers: { origin: LISTED },
    });
    expect(ok.status).toBe(201);
    expectResponseCors(ok.headers, LISTED);
    const unauthorized = await e2e.call<ErrorBody>('GET', '/api/conversations', { headers: { origin: LISTED } });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.body.error.code).toBe('unauthorized');
    expectResponseCors(unauthorized.headers, LISTED);
    const notAllowed = await e2e.call('PATCH', '/api/health', { headers: { origin: LISTED } });
    expect(notAllowed.status).toBe(405);
    expectResponseCors(notAllowed.headers, LISTED);
    const unsupported = await e2e.call('POST', '/api/conversations', {
      body: 'x',
      headers: { origin: LISTED, 'content-type': 'text/plain' },
    });
    expect(unsupported.status).toBe(415);
    expectResponseCors(unsupported.headers, LISTED);
    const unknown = await e2e.call('GET', '/api/nope', { headers: { origin: LISTED } });
    expect(unknown.status).toBe(404);
    const unknownPreflight = await e2e.call('OPTIONS', '/api/nope', { headers: preflight(LISTED, 'GET') });
    expect(unknownPreflight.status).toBe(404);
    // On Vercel an unknown path is the platform's own 404: no function runs, so no CORS headers.
    if (!behindVercel()) {
      expectResponseCors(unknown.headers, LISTED);
      expect(unknownPreflight.headers.get('access-control-allow-origin')).toBe(LISTED);
    }
  });

  it('sets the session cookie SameSite=None; Secure with COOKIE_SAME_SITE=none', async () => {
    const res = await e2e.call('POST', '/api/auth/register', {
      json: { email: `c-${Date.now()}@example.test`, username: `c_${Date.now()}`, password: 'pw-long-enough-1' },
    });
    expect(res.status).toBe(201);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^tb_session=tb_/);
    expect(cookie).toContain('SameSite=None');
    expect(cookie).toContain('Secure');
    expect(cookie).toContain('HttpOnly');
  });

  it('refuses cookie-authenticated writes from a foreign origin and creates nothing', async () => {
    const user = await e2e.register();
    const cookie = `tb_session=${user.token}`;
    const count = async (): Promise<number> => {
      const res = await e2e.call<{ items: unknown[] }>('GET', '/api/conversations', { token: user.token });
      return res.body.items.length;
    };
    const before = await count();
    const foreign = await e2e.call<ErrorBody>('POST', '/api/conversations', {
      json: { title: 'csrf' },
      headers: { cookie, origin: UNLISTED },
    });
    expect(foreign.status).toBe(401);
    expect(foreign.body.error.code).toBe('unauthorized');
    expect(foreign.body.error.message).toContain('origin');
    const nullOrigin = await e2e.call('POST', '/api/conversations', { json: {}, headers: { cookie, origin: 'null' } });
    expect(nullOrigin.status).toBe(401);
    // What a cross-site <form> can send: a non-JSON body is 415 before anything else.
    const form = await e2e.call('POST', '/api/conversations', {
      body: 'title=csrf',
      headers: { cookie, origin: UNLISTED, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const logout = await e2e.call('POST', '/api/auth/logout', { headers: { cookie, origin: UNLISTED } });
    expect(logout.status).toBe(401);
    expect(await count()).toBe(before);

    // The same cookie from a listed origin, from the API's own host, or with no Origin works.
    const host = new URL(e2e.server().url).host;
    for (const origin of [LISTED, `http://${host}`, undefined]) {
      const headers: Record<string, string> = { cookie };
      if (origin !== undefined) headers.origin = origin;
      const res = await e2e.call('POST', '/api/conversations', { json: { title: String(origin) }, headers });
      expect(res.status, String(origin)).toBe(201);
    }
    // Behind a proxy that forwards the page's host (a same-origin rewrite), the page is "this host".
    // Vercel's edge sets X-Forwarded-Host itself (to the API's host), so there the rewrite's origin
    // must be listed in CORS_ORIGINS instead (docs/browsers.md).
    const proxied = await e2e.call('POST', '/api/conversations', {
      json: { title: 'proxied' },
      headers: { cookie, origin: 'https://app.proxy.test', 'x-forwarded-host': 'app.proxy.test' },
    });
    const onVercel = behindVercel();
    expect(proxied.status).toBe(onVercel ? 401 : 201);
    // Bearer tokens are not ambient credentials: no origin rule for them. Reads are not refused.
    const bearer = await e2e.call('POST', '/api/conversations', {
      json: {},
      token: user.token,
      headers: { origin: UNLISTED },
    });
    expect(bearer.status).toBe(201);
    const read = await e2e.call('GET', '/api/me', { headers: { cookie, origin: UNLISTED } });
    expect(read.status).toBe(200);
    expect(await count()).toBe(before + (onVercel ? 4 : 5));
  });
});

describe.each(backends)('CORS with CORS_ORIGINS unset ($name)', (backend) => {
  const e2e = useE2e(backend);

  it('sends no Access-Control-* header to any origin and still answers OPTIONS with 204 + Allow', async () => {
    const pre = await e2e.call('OPTIONS', '/api/conversations', { headers: preflight(LISTED, 'POST') });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('allow')).toBe('GET, POST, OPTIONS');
    expect(accessControlHeaders(pre.headers)).toEqual([]);
    const res = await e2e.call('GET', '/api/health', { headers: { origin: LISTED } });
    expect(res.status).toBe(200);
    expect(accessControlHeaders(res.headers)).toEqual([]);
    expect(res.headers.get('vary')).toBeNull();
  });

  it('keeps the session cookie SameSite=Lax by default', async () => {
    const res = await e2e.call('POST', '/api/auth/register', {
      json: { email: `l-${Date.now()}@example.test`, username: `l_${Date.now()}`, password: 'pw-long-enough-1' },
    });
    expect(res.headers.get('set-cookie')).toContain('SameSite=Lax');
  });
});
