/**
 * FileLock: mutual exclusion within a process and between lock instances (as between
 * processes), a live holder blocks until timeout, stale locks (old, unreadable) are taken over,
 * and a lock is only released by its owner.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { FileLock, LockTimeoutError } from '../../lib/store/json/file-lock.js';

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'threadbase-lock-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

test('critical sections never overlap, in one instance or across instances', async () => {
  const locks = [new FileLock(dir), new FileLock(dir), new FileLock(dir)];
  let inside = 0;
  let maxInside = 0;
  const section = async (): Promise<void> => {
    inside += 1;
    maxInside = Math.max(maxInside, inside);
    await tick();
    inside -= 1;
  };
  await Promise.all(Array.from({ length: 30 }, (_, i) => locks[i % 3]!.withLock(section)));
  expect(maxInside).toBe(1);
  expect(await fs.readdir(dir)).toEqual([]);
});

test('a live holder blocks another instance until its timeout', async () => {
  const holder = new FileLock(dir);
  const waiter = new FileLock(dir, { timeoutMs: 200 });
  let release!: () => void;
  const held = holder.withLock(() => new Promise<void>((resolve) => (release = resolve)));
  await tick();
  await expect(waiter.withLock(async () => 'never')).rejects.toBeInstanceOf(LockTimeoutError);
  release();
  await held;
  await expect(waiter.withLock(async () => 'now')).resolves.toBe('now');
});

test('a lock older than staleMs is taken over even if its pid is alive (pid reuse)', async () => {
  const old = { pid: process.pid, host: os.hostname(), token: 'old', acquiredAt: new Date(Date.now() - 120_000).toISOString() };
  await fs.writeFile(path.join(dir, '.lock'), JSON.stringify(old));
  await expect(new FileLock(dir, { staleMs: 60_000, timeoutMs: 1000 }).withLock(async () => 'ok')).resolves.toBe('ok');
});

test('an unreadable lock file is taken over once it is a few seconds old', async () => {
  const file = path.join(dir, '.lock');
  await fs.writeFile(file, 'garbage');
  const past = new Date(Date.now() - 10_000);
  await fs.utimes(file, past, past);
  await expect(new FileLock(dir, { timeoutMs: 1000 }).withLock(async () => 'ok')).resolves.toBe('ok');
});

test('a section that throws releases the lock and passes the error on', async () => {
  const lock = new FileLock(dir);
  await expect(lock.withLock(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  await expect(lock.withLock(async () => 'after')).resolves.toBe('after');
  expect(await fs.readdir(dir)).toEqual([]);
});

test("release leaves a lock that is no longer ours alone", async () => {
  const lock = new FileLock(dir);
  const foreign = { pid: process.pid, host: os.hostname(), token: 'someone-else', acquiredAt: new Date().toISOString() };
  await lock.withLock(async () => {
    // Simulates a holder whose lock was taken over while it ran.
    await fs.rm(path.join(dir, '.lock'));
    await fs.writeFile(path.join(dir, '.lock'), JSON.stringify(foreign));
  });
  expect(JSON.parse(await fs.readFile(path.join(dir, '.lock'), 'utf8'))).toEqual(foreign);
});
