/**
 * A JSON store whose disk is full, or whose filesystem is read-only, keeps serving reads: signing
 * in with a token whose lastSeenAt touch is due, listing, reading, searching, usage all answer 200;
 * writes answer 503 unavailable with Retry-After and a message saying why; /api/health answers 200
 * with status "degraded". Real filesystems: a small tmpfs filled to the last byte, then remounted
 * read-only. Needs root (mount); skipped with a message otherwise, always run in CI (root).
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ErrorBody } from '../e2e/api-fixture.js';
import { api, startTestServer, type ApiClient, type TestServer } from '../e2e/harness.js';

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('disk-faults.test.ts: skipped, needs root to mount a tmpfs (CI runs it as root)');

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.error}`);
}

async function fillDisk(dir: string): Promise<string> {
  const file = path.join(dir, 'filler');
  const handle = await fs.open(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) await handle.write(chunk.subarray(0, chunk.length));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
  // The last partial chunk: fill what is left byte-exactly.
  try {
    for (;;) await handle.write(Buffer.alloc(512, 1));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
  return file;
}

describe.skipIf(!isRoot)('JSON store on a full or read-only disk', () => {
  let mountPoint: string;
  let mounted = false;
  let dataDir: string;
  let server: TestServer | undefined;
  let call: ApiClient;
  let token: string;
  let conversationId: string;

  beforeAll(async () => {
    mountPoint = await fs.mkdtemp(path.join(os.tmpdir(), 'threadbase-disk-'));
    run('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint]);
    mounted = true;
    dataDir = path.join(mountPoint, 'data');
    server = await startTestServer({ env: { DATA_DIR: dataDir } }, { LOG_LEVEL: 'warn' });
    call = api(server.url);
    const registered = await call<{ token: string }>('POST', '/api/auth/register', {
      json: { email: 'disk@example.test', username: 'disk_user', password: 'pw-disk-secret' },
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    token = registered.body.token;
    const created = await call<{ id: string }>('POST', '/api/conversations', { json: { title: 'soup' }, token });
    conversationId = created.body.id;
    const message = await call('POST', `/api/conversations/${conversationId}/messages`, {
      json: { role: 'user', content: 'tomato soup' },
      token,
    });
    expect(message.status).toBe(201);
  });

  afterAll(async () => {
    await server?.stop();
    if (mounted) {
      const result = spawnSync('umount', [mountPoint]);
      if (result.status !== 0) spawnSync('umount', ['-l', mountPoint]);
    }
    await fs.rm(mountPoint, { recursive: true, force: true });
  });

  /** Makes the session's throttled lastSeenAt touch due on the next authenticated request. */
  async function makeTouchDue(): Promise<void> {
    const file = path.join(dataDir, 'sessions.json');
    const sessions = JSON.parse(await fs.readFile(file, 'utf8')) as { lastSeenAt: string }[];
    const old = new Date(Date.now() - 10 * 60_000).toISOString();
    await fs.writeFile(file, JSON.stringify(sessions.map((s) => ({ ...s, lastSeenAt: old }))));
  }

  async function expectReadsWork(): Promise<void> {
    for (const route of [
      '/api/me',
      '/api/conversations',
      `/api/conversations/${conversationId}`,
      `/api/conversations/${conversationId}/messages`,
      '/api/search?q=tomato',
      '/api/usage',
      '/api/tokens',
    ]) {
      const res = await call('GET', route, { token });
      expect(res.status, `${route}: ${JSON.stringify(res.body)}`).toBe(200);
    }
  }

  async function expectWritesRefused(reason: RegExp): Promise<void> {
    const writes = [
      call('POST', '/api/conversations', { json: { title: 'new' }, token }),
      call('POST', `/api/conversations/${conversationId}/messages`, { json: { role: 'user', content: 'more' }, token }),
      call('POST', '/api/auth/register', {
        json: { email: 'x@example.test', username: 'x_user', password: 'pw-x-secret' },
      }),
    ];
    for (const res of await Promise.all(writes)) {
      expect(res.status, JSON.stringify(res.body)).toBe(503);
      expect((res.body as ErrorBody).error.code).toBe('unavailable');
      expect((res.body as ErrorBody).error.message).toMatch(reason);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  }

  async function expectHealth(status: 'ok' | 'degraded', problem?: RegExp): Promise<void> {
    const res = await call<{ status: string; storage: string; problem?: string }>('GET', '/api/health');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status, storage: 'json' });
    if (problem) expect(res.body.problem).toMatch(problem);
    else expect(res.body.problem).toBeUndefined();
  }

  test('disk full: reads (with a due lastSeenAt touch) answer 200, writes 503, health degraded', async () => {
    await expectHealth('ok');
    await makeTouchDue();
    const filler = await fillDisk(mountPoint);
    try {
      expect((await fs.statfs(mountPoint)).bavail).toBe(0);
      await expectReadsWork();
      await makeTouchDue().catch(() => undefined); // may itself fail on the full disk; then it is still due
      await expectReadsWork();
      await expectWritesRefused(/full/i);
      await expectHealth('degraded', /full/i);
    } finally {
      await fs.rm(filler);
    }
    await expectHealth('ok');
    const after = await call('POST', '/api/conversations', { json: { title: 'after' }, token });
    expect(after.status).toBe(201);
    // The failed touch is logged once per episode, not once per request.
    expect(server!.output().match(/"msg":"lastSeenAt\/lastUsedAt not updated/g) ?? []).toHaveLength(1);
  });

  test('read-only filesystem: reads answer 200, writes 503, health degraded; writable again once remounted', async () => {
    await makeTouchDue();
    run('mount', ['-o', 'remount,ro', mountPoint]);
    try {
      await expectReadsWork();
      await expectWritesRefused(/read-only|cannot be written/i);
      await expectHealth('degraded', /read-only|cannot be written/i);
    } finally {
      run('mount', ['-o', 'remount,rw', mountPoint]);
    }
    await expectHealth('ok');
    const after = await call('POST', '/api/conversations', { json: { title: 'after' }, token });
    expect(after.status, JSON.stringify(after.body)).toBe(201);
  });
});
