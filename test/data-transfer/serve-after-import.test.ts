/**
 * The point of the tools, end to end over HTTP: after data:import the PostgreSQL-backed server
 * lets users log in with their old passwords and serves their conversations and search; after
 * data:export the JSON-backed server (DATA_DIR=<export>) does the same.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { generateStore } from '../../bench/import/generate-store.js';
import { importDirectory } from '../../lib/data-transfer/import.js';
import { exportDatabase } from '../../lib/data-transfer/export.js';
import { hashPassword } from '../../lib/auth/password.js';
import type { UserRecord } from '../../lib/store/types.js';
import { api, startTestServer, type TestServer } from '../e2e/harness.js';
import { readJsonFile, useScratch } from './helpers.js';

interface LoginBody {
  user: { id: string; email: string };
  token: string;
}
interface ListBody {
  items: Array<{ id: string; messageCount: number }>;
}

async function loginAndRead(server: TestServer, user: UserRecord, password: string): Promise<void> {
  const client = api(server.url);
  const wrong = await client('POST', '/api/auth/login', { json: { login: user.email, password: 'not it' } });
  expect(wrong.status).toBe(401);
  const login = await client<LoginBody>('POST', '/api/auth/login', { json: { login: user.username, password } });
  expect(login.status).toBe(200);
  expect(login.body.user.id).toBe(user.id);
  const list = await client<ListBody>('GET', '/api/conversations?limit=100', { token: login.body.token });
  expect(list.status).toBe(200);
  expect(list.body.items.length).toBe(2);
  expect(list.body.items.every((c) => c.messageCount === 25)).toBe(true);
  const search = await client<{ items: unknown[] }>('GET', '/api/search?q=postgres', { token: login.body.token });
  expect(search.status).toBe(200);
  expect(search.body.items.length).toBeGreaterThan(0);
}

describe('serving imported and exported data', () => {
  const s = useScratch();
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('users log in with their old passwords on PostgreSQL after import, and on the JSON store after export', async () => {
    const dir = await s.dir('serve');
    const password = 'old password ✓';
    await generateStore({
      dir,
      messages: 100,
      users: 2,
      messagesPerConversation: 25,
      passwordHash: await hashPassword(password, 10),
    });
    const [user] = await readJsonFile<UserRecord[]>(join(dir, 'users.json'));
    expect((await importDirectory(s.sql, s.db.url, { dir })).status).toBe('imported');

    server = await startTestServer({ env: { DATABASE_URL: s.db.url } });
    await loginAndRead(server, user!, password);
    await server.stop();

    const out = join(await s.dir('served-export'), 'data');
    await exportDatabase(s.sql, s.db.url, out);
    server = await startTestServer({ env: { DATA_DIR: out } });
    await loginAndRead(server, user!, password);
  }, 60_000);
});
