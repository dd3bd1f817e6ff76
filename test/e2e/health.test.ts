/**
 * GET /api/health per backend, and what clients see when storage cannot serve them: PostgreSQL
 * unreachable → 503 + Retry-After (health and data routes alike); a JSON store on Vercel
 * (read-only filesystem) → reads work, writes get a 503 configuration error, and without any data
 * directory (a Vercel preview without DATABASE_URL) health still answers 200 with `readOnly`.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, tempDataDir, type BackendInstance } from '../helpers/backends.js';
import { freePort as closedPort } from '../helpers/net.js';
import { api, startTestServer, type TestServer } from './harness.js';

const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

interface HealthBody {
  status: string;
  storage: string;
  version: string;
  db?: { latencyMs: number; pool: { max: number; open: number; idle: number; waiting: number } };
  migrations?: { applied: number; pending: number };
  readOnly?: boolean;
  error?: { code: string; requestId: string };
}

describe.each(backends)('GET /api/health ($name)', (backend) => {
  let instance: BackendInstance;
  let server: TestServer;

  beforeAll(async () => {
    instance = await backend.create();
    server = await startTestServer(instance);
  });
  afterAll(async () => {
    await server?.stop();
    await instance?.cleanup();
  });

  it('reports ok, the storage kind and the version', async () => {
    const res = await api(server.url)<HealthBody>('GET', '/api/health');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({ status: 'ok', storage: backend.name, version });
    if (backend.name === 'postgres') {
      expect(res.body.db?.latencyMs).toBeGreaterThanOrEqual(0);
      expect(res.body.db?.pool.max).toBeGreaterThan(0);
      expect(res.body.migrations).toEqual({ applied: expect.any(Number), pending: 0 });
    } else {
      expect(res.body.db).toBeUndefined();
    }
  });

  it('shuts down promptly and cleanly on SIGTERM, with a keep-alive connection open', async () => {
    expect((await api(server.url)('GET', '/api/health')).status).toBe(200);
    const started = Date.now();
    await server.restart();
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(server.exitCodes()).toEqual([0]);
    expect((await api(server.url)('GET', '/api/health')).status).toBe(200);
  });
});

describe('storage failures', () => {
  it('answers 503 with Retry-After when PostgreSQL is unreachable', async () => {
    const port = await closedPort();
    const server = await startTestServer(
      { env: { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/tb_http_gone` } },
      {
        DATABASE_CONNECT_TIMEOUT: '2',
      },
    );
    try {
      const call = api(server.url);
      const health = await call<HealthBody>('GET', '/api/health');
      expect(health.status).toBe(503);
      expect(Number(health.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(health.body).toMatchObject({ status: 'unavailable', storage: 'postgres', version });
      expect(health.body.error).toMatchObject({ code: 'unavailable', requestId: health.headers.get('x-request-id') });

      const register = await call<HealthBody>('POST', '/api/auth/register', {
        json: { email: 'gone@example.com', username: 'gone_user', password: 'correct horse battery' },
      });
      expect(register.status).toBe(503);
      expect(register.headers.get('retry-after')).not.toBeNull();
      expect(register.body.error?.code).toBe('unavailable');
      expect(JSON.stringify(register.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/);
    } finally {
      await server.stop();
    }
  });

  it('a Vercel preview without DATABASE_URL (no data directory in the bundle): health 200 read-only, writes name DATABASE_URL', async () => {
    const parent = await tempDataDir();
    const server = await startTestServer(
      { env: { DATA_DIR: path.join(parent, 'not-in-the-bundle') } },
      { VERCEL: '1' },
    );
    try {
      const call = api(server.url);
      const health = await call<HealthBody>('GET', '/api/health');
      expect(health.status, server.output()).toBe(200);
      expect(health.body).toMatchObject({ status: 'ok', storage: 'json', readOnly: true, version });
      const list = await call<{ error: { code: string } }>('GET', '/api/conversations', {
        token: `tb_${'0'.repeat(43)}`,
      });
      expect(list.status).toBe(401);
      const register = await call<{ error: { code: string; message: string } }>('POST', '/api/auth/register', {
        json: { email: 'preview@example.com', username: 'preview_user', password: 'correct horse battery' },
      });
      expect(register.status).toBe(503);
      expect(register.body.error.code).toBe('unavailable');
      expect(register.body.error.message).toContain('DATABASE_URL');
      const login = await call<{ error: { code: string } }>('POST', '/api/auth/login', {
        json: { login: 'preview_user', password: 'correct horse battery' },
      });
      expect(login.status).toBe(503);
      expect(login.body.error.code).toBe('unavailable');
    } finally {
      await server.stop();
      await rm(parent, { recursive: true, force: true });
    }
  });

  it('refuses writes on a read-only JSON store (VERCEL set) with a configuration error', async () => {
    const dataDir = await tempDataDir();
    const server = await startTestServer({ env: { DATA_DIR: dataDir } }, { VERCEL: '1' });
    try {
      const call = api(server.url);
      const health = await call<HealthBody>('GET', '/api/health');
      expect(health.status).toBe(200);
      const register = await call<{ error: { code: string; message: string } }>('POST', '/api/auth/register', {
        json: { email: 'ro@example.com', username: 'ro_user', password: 'correct horse battery' },
      });
      expect(register.status).toBe(503);
      expect(register.headers.get('retry-after')).not.toBeNull();
      expect(register.body.error.code).toBe('unavailable');
      expect(register.body.error.message).toMatch(/read-only|DATABASE_URL/i);
    } finally {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
