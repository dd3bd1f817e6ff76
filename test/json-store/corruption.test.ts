/**
 * Corruption is contained and named: a damaged conversation file of user A affects only the
 * operations that need that file (A's list, search, keyed writes, the conversation itself), not
 * user B; garbage in users.json fails the operations that need users with an error naming the file
 * and the runbook, and is never overwritten by a later write. Over HTTP, against a real server.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tempDataDir } from '../helpers/backends.js';
import type { ErrorBody } from '../e2e/api-fixture.js';
import { api, startTestServer, type ApiClient, type ApiResponse, type TestServer } from '../e2e/harness.js';

let dataDir: string;
let server: TestServer;
let call: ApiClient;

beforeAll(async () => {
  dataDir = await tempDataDir();
  server = await startTestServer({ env: { DATA_DIR: dataDir } });
  call = api(server.url);
});
afterAll(async () => {
  await server?.stop();
  await fs.rm(dataDir, { recursive: true, force: true });
});

let seq = 0;
async function register(): Promise<{ id: string; token: string }> {
  seq += 1;
  const id = `${process.pid}${seq}${Date.now() % 100000}`;
  const res = await call<{ user: { id: string }; token: string }>('POST', '/api/auth/register', {
    json: { email: `c${id}@example.test`, username: `c_${id}`, password: `pw-${id}-secret` },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.user.id, token: res.body.token };
}

async function conversationWithMessage(token: string, content: string): Promise<string> {
  const created = await call<{ id: string }>('POST', '/api/conversations', { json: { title: 'soup' }, token });
  expect(created.status).toBe(201);
  const message = await call('POST', `/api/conversations/${created.body.id}/messages`, {
    json: { role: 'user', content },
    token,
  });
  expect(message.status).toBe(201);
  return created.body.id;
}

/** The named corruption error: 500 internal, naming the file relative to DATA_DIR and the runbook. */
function expectCorrupt(res: ApiResponse, relative: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(500);
  const { error } = res.body as ErrorBody;
  expect(error.code).toBe('internal');
  expect(error.message).toContain(relative);
  expect(error.message).toContain('docs/runbook.md');
  expect(error.message).not.toContain(dataDir);
}

describe('a truncated conversation file of user A', () => {
  let a: { id: string; token: string };
  let b: { id: string; token: string };
  let broken: string;
  let file: string;

  beforeAll(async () => {
    a = await register();
    b = await register();
    broken = await conversationWithMessage(a.token, 'tomato soup from A');
    await conversationWithMessage(a.token, 'tomato salad from A');
    await conversationWithMessage(b.token, 'tomato soup from B');
    file = path.join(dataDir, 'conversations', `${broken}.json`);
    const text = await fs.readFile(file, 'utf8');
    await fs.writeFile(file, text.slice(0, Math.floor(text.length * 0.6)));
  });

  test('does not affect user B: list, search, keyed create and keyed append answer as usual', async () => {
    const list = await call<{ items: unknown[] }>('GET', '/api/conversations', { token: b.token });
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect(list.body.items).toHaveLength(1);
    const search = await call<{ items: unknown[] }>('GET', '/api/search?q=tomato', { token: b.token });
    expect(search.status, JSON.stringify(search.body)).toBe(200);
    expect(search.body.items).toHaveLength(1);
    const headers = { 'idempotency-key': `b-create-${seq}` };
    const created = await call<{ id: string }>('POST', '/api/conversations', { json: {}, token: b.token, headers });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const appended = await call('POST', `/api/conversations/${created.body.id}/messages`, {
      json: { role: 'user', content: 'hello' },
      token: b.token,
      headers: { 'idempotency-key': `b-append-${seq}` },
    });
    expect(appended.status, JSON.stringify(appended.body)).toBe(201);
    // B asking for A's damaged conversation learns nothing: it is not theirs.
    expect((await call('GET', `/api/conversations/${broken}`, { token: b.token })).status).toBe(404);
  });

  test('A’s operations that need the file get an error naming it and the runbook', async () => {
    const relative = `conversations/${broken}.json`;
    expectCorrupt(await call('GET', `/api/conversations/${broken}`, { token: a.token }), relative);
    expectCorrupt(await call('GET', '/api/conversations', { token: a.token }), relative);
    expectCorrupt(await call('GET', '/api/search?q=tomato', { token: a.token }), relative);
    const append = await call('POST', `/api/conversations/${broken}/messages`, {
      json: { role: 'user', content: 'x' },
      token: a.token,
    });
    expectCorrupt(append, relative);
  });

  test('A’s operations that do not need it still work, and the damaged file is left as it was', async () => {
    const before = await fs.readFile(file, 'utf8');
    const created = await call<{ id: string }>('POST', '/api/conversations', { json: {}, token: a.token });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await call('GET', `/api/conversations/${created.body.id}`, { token: a.token })).status).toBe(200);
    expect((await call('GET', '/api/usage', { token: a.token })).status).toBe(200);
    expect(await fs.readFile(file, 'utf8')).toBe(before);
  });
});

describe('garbage in users.json', () => {
  test('operations needing users answer the named error, and no write overwrites the file', async () => {
    const user = await register();
    const file = path.join(dataDir, 'users.json');
    const garbage = '[{"id": "not finished';
    await fs.writeFile(file, garbage);
    expectCorrupt(await call('GET', '/api/me', { token: user.token }), 'users.json');
    expectCorrupt(await call('GET', '/api/conversations', { token: user.token }), 'users.json');
    const registered = await call('POST', '/api/auth/register', {
      json: { email: `late${seq}@example.test`, username: `late_${seq}`, password: 'pw-late-secret' },
    });
    expectCorrupt(registered, 'users.json');
    const login = await call('POST', '/api/auth/login', { json: { login: `late_${seq}`, password: 'pw-late-secret' } });
    expectCorrupt(login, 'users.json');
    expect(await fs.readFile(file, 'utf8')).toBe(garbage);
  });
});
