/**
 * The request pipeline end to end, per backend, over real HTTP to the E2E_TARGET server as a child
 * process: envelope, X-Request-Id, 404/405/413/415/400, per-field validation details, auth by
 * Bearer token and by cookie, headers on every response.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { generateToken } from '../../lib/auth/credentials.js';
import { matchRoute, scanRoutes } from '../../lib/http/server/fs-routes.js';
import { defineRoute } from '../../lib/http/route.js';
import { setLogSink } from '../../lib/log.js';
import { closeStore, setStoreForTests } from '../../lib/store/index.js';
import { backends, type BackendInstance } from '../helpers/backends.js';
import { makeSession, makeUser } from '../helpers/factories.js';
import { api, behindVercel, startTestServer, type ApiClient, type ApiResponse, type TestServer } from './harness.js';
import { postChunked, serveHandler, type InProcessServer } from './harness-inprocess.js';

interface Envelope {
  error: { code: string; message: string; details: { path: string; message: string }[]; requestId: string };
}

const MIB = 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expectEnvelope(res: ApiResponse, status: number, code: string): Envelope {
  expect(res.status).toBe(status);
  const body = res.body as Envelope;
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(Array.isArray(body.error.details)).toBe(true);
  expect(body.error.requestId).toBe(res.headers.get('x-request-id'));
  expect(res.headers.get('cache-control')).toBe('no-store');
  return body;
}

describe.each(backends)('pipeline over HTTP ($name)', (backend) => {
  let instance: BackendInstance;
  let server: TestServer;
  let call: ApiClient;
  let n = 0;
  const registration = () => {
    n += 1;
    const tag = `${backend.name}${n}${Date.now().toString(36)}`;
    return { email: `${tag}@example.com`, username: `u_${tag}`, password: 'correct horse battery' };
  };

  beforeAll(async () => {
    instance = await backend.create();
    server = await startTestServer(instance);
    call = api(server.url);
  });
  afterAll(async () => {
    await server?.stop();
    await instance?.cleanup();
  });

  it("answers unknown routes with a 404 envelope (on Vercel: the platform's own 404, no function runs)", async () => {
    for (const unknown of ['/api/does-not-exist', '/api/conversations/x/y/z', '/']) {
      const res = await call('GET', unknown);
      if (behindVercel()) {
        expect(res.status).toBe(404);
        expect(res.headers.get('x-request-id')).toBeNull();
      } else expectEnvelope(res, 404, 'not_found');
    }
  });

  it('answers unknown methods with 405 and Allow', async () => {
    const res = await call('POST', '/api/health');
    expectEnvelope(res, 405, 'method_not_allowed');
    expect(res.headers.get('allow')).toBe('GET');
    const del = await call('DELETE', '/api/auth/register');
    expectEnvelope(del, 405, 'method_not_allowed');
    expect(del.headers.get('allow')).toBe('POST');
  });

  it('echoes a valid X-Request-Id and replaces an invalid one', async () => {
    const echoed = await call('GET', '/api/health', { headers: { 'x-request-id': 'client-1.2:3_x' } });
    expect(echoed.headers.get('x-request-id')).toBe('client-1.2:3_x');
    const generated = await call('GET', '/api/me', { headers: { 'x-request-id': 'has spaces' } });
    expect(generated.headers.get('x-request-id')).toMatch(UUID);
    expectEnvelope(generated, 401, 'unauthorized');
    const tooLong = await call('GET', '/api/me', { headers: { 'x-request-id': 'a'.repeat(201) } });
    expect(tooLong.headers.get('x-request-id')).toMatch(UUID);
    const fresh = await call('GET', '/api/health');
    expect(fresh.headers.get('x-request-id')).toMatch(UUID);
  });

  it('rejects a body that is not JSON with 415', async () => {
    const res = await call('POST', '/api/auth/register', {
      body: 'email=a',
      headers: { 'content-type': 'text/plain' },
    });
    expectEnvelope(res, 415, 'unsupported_media_type');
    const none = await call('POST', '/api/auth/register', { body: '{}' });
    expectEnvelope(none, 415, 'unsupported_media_type');
  });

  it('rejects bodies over 1 MiB with 413, declared or streamed', async () => {
    const big = JSON.stringify({ email: 'x'.repeat(MIB) });
    const declared = await call('POST', '/api/auth/register', {
      body: big,
      headers: { 'content-type': 'application/json' },
    });
    expectEnvelope(declared, 413, 'payload_too_large');
    const streamed = await postChunked(server.url, '/api/auth/register', MIB + 64 * 1024);
    expect(streamed.status).toBe(413);
    expect((JSON.parse(streamed.body) as Envelope).error.code).toBe('payload_too_large');
    // Exactly at the limit is still read (and then fails validation, not size).
    const atLimit = await postChunked(server.url, '/api/auth/register', MIB);
    expect(atLimit.status).toBe(400);
  });

  it('rejects malformed JSON with 400 bad_request', async () => {
    const res = await call('POST', '/api/auth/register', {
      body: '{"email": ',
      headers: { 'content-type': 'application/json' },
    });
    expectEnvelope(res, 400, 'bad_request');
    const charset = await call('POST', '/api/auth/register', {
      body: '{nope}',
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expectEnvelope(charset, 400, 'bad_request');
  });

  it('reports one validation detail per bad field', async () => {
    const res = await call('POST', '/api/auth/register', { json: { email: 'not-an-email', username: 'x' } });
    const body = expectEnvelope(res, 400, 'validation_failed');
    const paths = body.error.details.map((d) => d.path).sort();
    expect(paths).toEqual(['email', 'password', 'username']);
    const empty = await call('POST', '/api/auth/register', {
      body: '',
      headers: { 'content-type': 'application/json' },
    });
    expectEnvelope(empty, 400, 'validation_failed');
  });

  it('authenticates by Bearer token and by the tb_session cookie', async () => {
    const reg = await call<{ token: string }>('POST', '/api/auth/register', { json: registration() });
    expect(reg.status).toBe(201);
    expect(reg.headers.get('cache-control')).toBe('no-store');
    const cookie = reg.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^tb_session=tb_[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain('Path=/');
    expect(cookie).not.toContain('Secure');

    expect((await call('GET', '/api/me', { token: reg.body.token })).status).toBe(200);
    const viaCookie = await call('GET', '/api/me', { headers: { cookie: `other=1; ${cookie.split(';')[0]}` } });
    expect(viaCookie.status).toBe(200);

    expectEnvelope(await call('GET', '/api/me'), 401, 'unauthorized');
    expectEnvelope(await call('GET', '/api/me', { token: `${reg.body.token}x` }), 401, 'unauthorized');
    expectEnvelope(
      await call('GET', '/api/me', { headers: { authorization: `Basic ${reg.body.token}` } }),
      401,
      'unauthorized',
    );
  });

  it('accepts a body-less POST without Content-Type (logout)', async () => {
    const reg = await call<{ token: string }>('POST', '/api/auth/register', { json: registration() });
    const out = await call('POST', '/api/auth/logout', { token: reg.body.token });
    expect(out.status).toBe(204);
    expect(out.body).toBeUndefined();
    expect(out.headers.get('set-cookie')).toMatch(/^tb_session=;.*Max-Age=0/);
    expectEnvelope(await call('GET', '/api/me', { token: reg.body.token }), 401, 'unauthorized');
  });
});

describe('pipeline in process (own handlers, json store)', () => {
  const json = backends.find((b) => b.name === 'json')!;
  const lines: string[] = [];
  const echo = defineRoute({
    GET: async (ctx) => ({ status: 200, body: { query: ctx.query(z.object({ a: z.string() })), params: ctx.params } }),
    POST: async (ctx) => ({ status: 200, body: await ctx.body(z.object({ name: z.string().min(1) })) }),
    PUT: async (ctx) => {
      if (ctx.header('x-fail') === 'bigint') return { status: 200, body: { n: 1n } };
      if (ctx.header('x-fail') === 'connection') {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      }
      throw new Error('select password_hash from users where id = $1');
    },
    PATCH: async () => ({ status: 200, body: z.object({ title: z.string() }).parse({ title: 7 }) }),
    DELETE: async (ctx) => ({ status: 204, body: { ignored: (await ctx.auth()).user.id } }),
  });
  let instance: BackendInstance;
  let streamed: InProcessServer;
  let buffered: InProcessServer;

  beforeAll(async () => {
    setLogSink((line) => void lines.push(line));
    instance = await json.create();
    setStoreForTests(instance.store);
    streamed = await serveHandler(echo);
    buffered = await serveHandler(echo, { bufferBody: true });
  });
  afterAll(async () => {
    await streamed?.close();
    await buffered?.close();
    await closeStore();
    await instance?.cleanup();
    setLogSink((line) => void process.stdout.write(`${line}\n`));
  });

  it('turns an unexpected error into a 500 that leaks nothing, logged with its stack', async () => {
    const res = await api(streamed.url)('PUT', '/anything', { headers: { 'x-request-id': 'boom-1' } });
    const body = expectEnvelope(res, 500, 'internal');
    expect(body.error.message).toBe('Internal server error.');
    expect(JSON.stringify(body)).not.toMatch(/select|password|stack|at /i);
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.requestId === 'boom-1');
    expect(logged.find((l) => l.level === 'error')).toMatchObject({
      error: { stack: expect.stringContaining('Error') },
    });
    expect(logged.find((l) => l.msg === 'request')).toMatchObject({ method: 'PUT', status: 500, route: '/anything' });
    expectEnvelope(await api(streamed.url)('PUT', '/x', { headers: { 'x-fail': 'bigint' } }), 500, 'internal');
  });

  it('answers 503 + Retry-After for a connection error that escaped the store', async () => {
    const res = await api(streamed.url)('PUT', '/x', { headers: { 'x-fail': 'connection' } });
    expectEnvelope(res, 503, 'unavailable');
    expect(res.headers.get('retry-after')).not.toBeNull();
    expect(JSON.stringify(res.body)).not.toContain('ECONNREFUSED');
  });

  it('maps a ZodError thrown by a handler to validation_failed', async () => {
    const body = expectEnvelope(await api(streamed.url)('PATCH', '/x'), 400, 'validation_failed');
    expect(body.error.details.map((d) => d.path)).toEqual(['title']);
  });

  it('validates the query string: a repeated key is a 400 on that key, never a silent pick', async () => {
    const res = await api(streamed.url)<{ query: unknown; params: unknown }>('GET', '/x?a=2&b=3');
    expect(res.body).toEqual({ query: { a: '2' }, params: { a: '2', b: '3' } });
    const repeated = await api(streamed.url)<{ error: { details: { path: string }[] } }>('GET', '/x?a=1&a=2&b=3');
    expectEnvelope(repeated, 400, 'validation_failed');
    expect(repeated.body.error.details.map((d) => d.path)).toEqual(['a']);
    expectEnvelope(await api(streamed.url)('GET', '/x'), 400, 'validation_failed');
  });

  it.each(['streamed', 'buffered'] as const)('applies the same body rules to a %s body', async (kind) => {
    const call = api(kind === 'streamed' ? streamed.url : buffered.url);
    expect((await call('POST', '/x', { json: { name: 'n' } })).body).toEqual({ name: 'n' });
    const headers = { 'content-type': 'application/json' };
    expectEnvelope(await call('POST', '/x', { body: '{"name":', headers }), 400, 'bad_request');
    expectEnvelope(await call('POST', '/x', { body: '', headers }), 400, 'validation_failed');
    expectEnvelope(
      await call('POST', '/x', { body: 'name=n', headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported_media_type',
    );
    const big = JSON.stringify({ name: 'x'.repeat(MIB) });
    expectEnvelope(await call('POST', '/x', { body: big, headers }), 413, 'payload_too_large');
    // Nesting far beyond the body's depth limit (a buffered body used to reach JSON.stringify → 500).
    const deep = `{"name":"n","x":${'['.repeat(400_000)}${']'.repeat(400_000)}}`;
    const refused = expectEnvelope(await call('POST', '/x', { body: deep, headers }), 400, 'validation_failed');
    expect(refused.error.details.map((d) => d.path)).toEqual(['x']);
  });

  it('logs one line per request with the user id and no secrets', async () => {
    const user = await makeUser(instance.store);
    const { token, hash } = generateToken();
    await makeSession(instance.store, user.id, { tokenHash: hash });
    const res = await api(streamed.url)('DELETE', '/x', {
      token,
      headers: { cookie: `tb_session=${token}`, 'x-request-id': 'auth-1' },
    });
    expect(res.status).toBe(204);
    const mine = lines.filter((l) => l.includes('"auth-1"'));
    expect(mine).toHaveLength(1);
    expect(JSON.parse(mine[0]!)).toMatchObject({ msg: 'request', method: 'DELETE', status: 204, userId: user.id });
    expect(typeof (JSON.parse(mine[0]!) as { durationMs: unknown }).durationMs).toBe('number');
    expect(lines.join('\n')).not.toContain(token);
    expect(lines.join('\n')).not.toContain(hash);
  });

  it('touches lastSeenAt only when it is a minute old or more', async () => {
    const user = await makeUser(instance.store);
    const fresh = generateToken();
    const stale = generateToken();
    const recent = new Date(Date.now() - 30_000).toISOString();
    const old = new Date(Date.now() - 120_000).toISOString();
    await makeSession(instance.store, user.id, { tokenHash: fresh.hash, createdAt: old, lastSeenAt: recent });
    await makeSession(instance.store, user.id, { tokenHash: stale.hash, createdAt: old, lastSeenAt: old });
    for (const { token } of [fresh, stale])
      expect((await api(streamed.url)('DELETE', '/x', { token })).status).toBe(204);
    const seen = async (hash: string) =>
      (await instance.store.findCredential(hash, new Date().toISOString()))?.lastUsedAt;
    expect(await seen(fresh.hash)).toBe(recent);
    expect(Date.parse((await seen(stale.hash)) ?? old)).toBeGreaterThan(Date.now() - 10_000);
  });
});

describe('dev server filesystem routing', () => {
  let dir: string;
  const files = [
    'health.ts',
    'conversations/index.ts',
    'conversations/[id].ts',
    'conversations/[id]/messages.ts',
    'conversations/search.ts',
    '_lib/helper.ts',
    '_private.ts',
    'health.test.ts',
    'types.d.ts',
    '.hidden.ts',
  ];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tb-http-routes-'));
    for (const file of files) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), 'export default () => undefined;\n');
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('maps files to URLs like Vercel, static segments first', async () => {
    const routes = await scanRoutes(dir);
    const resolve = (url: string) => {
      const m = matchRoute(routes, url);
      return m && { file: path.relative(dir, m.route.file), params: m.params };
    };
    expect(routes).toHaveLength(5);
    expect(resolve('/api/health')).toEqual({ file: 'health.ts', params: {} });
    expect(resolve('/api/conversations')).toEqual({ file: 'conversations/index.ts', params: {} });
    expect(resolve('/api/conversations/')).toEqual({ file: 'conversations/index.ts', params: {} });
    expect(resolve('/api/conversations/search')).toEqual({ file: 'conversations/search.ts', params: {} });
    expect(resolve('/api/conversations/a%20b')).toEqual({ file: 'conversations/[id].ts', params: { id: 'a b' } });
    expect(resolve('/api/conversations/c1/messages')).toEqual({
      file: 'conversations/[id]/messages.ts',
      params: { id: 'c1' },
    });
    expect(resolve('/api/conversations/search/messages')).toEqual({
      file: 'conversations/[id]/messages.ts',
      params: { id: 'search' },
    });
    for (const hidden of [
      '/api/_lib/helper',
      '/api/_private',
      '/api/health.test',
      '/api/types',
      '/api/.hidden',
      '/api/conversations/c1/other',
    ]) {
      expect(resolve(hidden)).toBeUndefined();
    }
  });
});
