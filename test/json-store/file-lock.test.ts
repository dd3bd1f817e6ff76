/**
 * FileLock: mutual exclusion within a process and between lock instances (as between
 * processes), a live holder on this machine blocks until timeout however old its lock is, locks
 * of dead holders (pid gone or reused), of other machines past staleMs, and unreadable ones are
 * taken over, a holder whose lock was taken over cannot commit (fencing), and a lock is only
 * released by its owner. The paused-holder case with real processes is paused-holder.test.ts.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { FileLock, LockLostError, LockTimeoutError } from '../../lib/store/json/file-lock.js';
import { openDataDir } from '../../lib/store/json/data-dir.js';
import { selfIdentity, startTimeOf } from '../../lib/store/json/process-identity.js';
import { expectAppError } from '../helpers/contract.js';

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
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const held = holder.withLock(
    () =>
      new Promise<void>((resolve) => {
        release = resolve;
        entered();
      }),
  );
  await inside; // the holder is in its critical section (acquiring takes a few file operations)
  await expect(waiter.withLock(async () => 'never')).rejects.toBeInstanceOf(LockTimeoutError);
  release();
  await held;
  await expect(waiter.withLock(async () => 'now')).resolves.toBe('now');
});

const longAgo = (): string => new Date(Date.now() - 120_000).toISOString();

test('a live holder on this machine is never taken over, however old its lock (it may only be paused)', async () => {
  const other = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    const me = await selfIdentity();
    const start = (await startTimeOf(other.pid!)) ?? undefined;
    const live = { pid: other.pid!, host: me.host, machine: me.machine, start, token: 'live', acquiredAt: longAgo() };
    await fs.writeFile(path.join(dir, '.lock'), JSON.stringify(live));
    const waiter = new FileLock(dir, { staleMs: 100, timeoutMs: 500 });
    await expect(waiter.withLock(async () => 'never')).rejects.toBeInstanceOf(LockTimeoutError);
    expect(JSON.parse(await fs.readFile(path.join(dir, '.lock'), 'utf8'))).toEqual(live);
  } finally {
    other.kill('SIGKILL');
  }
});

test('a lock naming this very process with a token it does not hold (an orphan) is taken over once 2 s old', async () => {
  const file = path.join(dir, '.lock');
  const orphan = { ...(await selfIdentity()), token: 'not-held-by-anyone', acquiredAt: new Date().toISOString() };
  await fs.writeFile(file, JSON.stringify(orphan));
  await expect(new FileLock(dir, { timeoutMs: 300 }).withLock(async () => 'young')).rejects.toBeInstanceOf(
    LockTimeoutError,
  );
  await fs.writeFile(file, JSON.stringify({ ...orphan, acquiredAt: longAgo() }));
  const past = new Date(Date.now() - 10_000);
  await fs.utimes(file, past, past);
  await expect(new FileLock(dir, { timeoutMs: 1000 }).withLock(async () => 'ok')).resolves.toBe('ok');
});

test('a lock whose pid now belongs to another process (another start time) is taken over at once', async () => {
  const me = await selfIdentity();
  if (me.start === null) return; // no /proc here: pid reuse cannot be told apart
  const reused = { ...me, start: String(Number(me.start) + 1), token: 'reused', acquiredAt: new Date().toISOString() };
  await fs.writeFile(path.join(dir, '.lock'), JSON.stringify(reused));
  await expect(new FileLock(dir, { timeoutMs: 1000 }).withLock(async () => 'ok')).resolves.toBe('ok');
});

test('a lock held from another machine is taken over only once older than staleMs', async () => {
  const remote = { pid: 1, host: 'elsewhere', machine: 'another-boot/pid:[1]', start: '1', token: 'remote' };
  await fs.writeFile(path.join(dir, '.lock'), JSON.stringify({ ...remote, acquiredAt: new Date().toISOString() }));
  await expect(new FileLock(dir, { staleMs: 60_000, timeoutMs: 300 }).withLock(async () => 'x')).rejects.toBeInstanceOf(
    LockTimeoutError,
  );
  await fs.writeFile(path.join(dir, '.lock'), JSON.stringify({ ...remote, acquiredAt: longAgo() }));
  await expect(new FileLock(dir, { staleMs: 60_000, timeoutMs: 1000 }).withLock(async () => 'ok')).resolves.toBe('ok');
});

/** Replaces .lock as a takeover by another machine would (the holder keeps running). */
async function takeOverFromElsewhere(): Promise<void> {
  const thief = {
    pid: 1,
    host: 'elsewhere',
    machine: 'another-boot/pid:[1]',
    start: '1',
    token: 'thief',
    acquiredAt: new Date().toISOString(),
  };
  await fs.rm(path.join(dir, '.lock'));
  await fs.writeFile(path.join(dir, '.lock'), JSON.stringify(thief));
}

test('fencing: a holder whose lock was taken over is refused before it commits', async () => {
  const lock = new FileLock(dir);
  await lock.withLock(async () => {
    await expect(lock.assertHeld()).resolves.toBeUndefined();
    await takeOverFromElsewhere();
    await expect(lock.assertHeld()).rejects.toBeInstanceOf(LockLostError);
  });
});

test('fencing in the data directory: a taken-over write commits nothing and answers 503', async () => {
  const data = openDataDir({ dataDir: dir });
  await data.write(async () => data.writeCollection('users', [{ id: 'first' }]));
  const before = await fs.readFile(path.join(dir, 'users.json'), 'utf8');
  const write = data.write(async () => {
    const users = await data.readCollection<{ id: string }>('users');
    await takeOverFromElsewhere();
    await data.writeCollection('users', [...users, { id: 'second' }]);
  });
  await expectAppError(write, { status: 503, code: 'unavailable' });
  expect(await fs.readFile(path.join(dir, 'users.json'), 'utf8')).toBe(before);
  expect((await fs.readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
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

test('release leaves a lock that is no longer ours alone', async () => {
  const lock = new FileLock(dir);
  const foreign = {
    pid: process.pid,
    host: os.hostname(),
    token: 'someone-else',
    acquiredAt: new Date().toISOString(),
  };
  await lock.withLock(async () => {
    // Simulates a holder whose lock was taken over while it ran.
    await fs.rm(path.join(dir, '.lock'));
    await fs.writeFile(path.join(dir, '.lock'), JSON.stringify(foreign));
  });
  expect(JSON.parse(await fs.readFile(path.join(dir, '.lock'), 'utf8'))).toEqual(foreign);
});
