/**
 * The JSON store's writer lock: an in-process async mutex (so one process's concurrent requests
 * queue) plus a cross-process lock file `<dir>/.lock` (so several processes on one data
 * directory never interleave a read-modify-write). docs/decisions/0006-json-store-lock.md.
 *
 * Acquiring: write {pid, host, machine, start, token, acquiredAt} to a private staging file and
 * hard-link it to `.lock`; link() fails with EEXIST while someone holds it, and the lock file's
 * content is always complete.
 * Taking over: a holder on this machine is judged by liveness only (process-identity.ts): a live
 * holder's lock is never taken over however old it is, because a paused process (SIGSTOP, a frozen
 * container) resumes and commits; a dead one's (pid gone, or reused by a process with another
 * start time) is taken over at once. Only a holder on another machine (a shared volume; outside
 * the store's documented scope) is judged by age, `staleMs`. A lock naming this very process with
 * a token it does not hold is an orphan (see isStale). A takeover renames the lock aside
 * and checks that what was renamed is the stale lock that was inspected; if a live lock was
 * grabbed by mistake it is linked back.
 * Fencing: each acquisition has a random token, and `assertHeld()` (called by the data directory
 * immediately before every rename or unlink that commits a write) refuses when `.lock` is no
 * longer ours. That narrows, but cannot close, the window for a holder on another machine taken
 * over by age: it can pass the check and then pause before its rename. On one machine the
 * liveness rule closes it, since a live holder is never taken over.
 * Residual risk of the takeover itself: a third process acquiring in the microseconds between the
 * rename aside and the link back would run concurrently with the restored holder; it needs a dead
 * holder plus two racing takeovers.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isNoEntry, isProcessAlive } from './atomic-file.js';
import { livenessOf, selfIdentity, type ProcessIdentity } from './process-identity.js';

interface LockContent extends Partial<ProcessIdentity> {
  pid: number;
  host: string;
  token: string;
  acquiredAt: string;
}

export interface FileLockOptions {
  /** Give up after this long (ms). */
  timeoutMs?: number;
  /** A lock held from another machine is abandoned when older than this; never one of this machine's live processes. */
  staleMs?: number;
  /** Runs inside the lock after a stale lock was taken over (e.g. to remove the dead writer's temp files). */
  onTakeover?: () => Promise<void>;
}

export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
}

/** The lock was taken over while this holder ran: what it was about to commit must not be. */
export class LockLostError extends Error {
  override name = 'LockLostError';
}

/**
 * Tokens of the acquisitions this process has in flight, across all FileLock instances: a lock
 * file that names this process with a token not in here is an orphan (see takeOverIfStale).
 */
const ownTokens = new Set<string>();
const ORPHAN_GRACE_MS = 2_000;

/** A FIFO async mutex: `run` executes callbacks one at a time in call order. */
export class AsyncMutex {
  private tail: Promise<void> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Resolves when everything queued so far has finished. */
  drain(): Promise<void> {
    return this.tail;
  }
}

export class FileLock {
  private readonly lockPath: string;
  private readonly mutex = new AsyncMutex();
  private readonly timeoutMs: number;
  private readonly staleMs: number;
  private readonly onTakeover: (() => Promise<void>) | undefined;
  private tookOver = false;
  /** The token of the acquisition whose critical section is running, if any. */
  private held: string | null = null;

  constructor(
    private readonly dir: string,
    options: FileLockOptions = {},
  ) {
    this.lockPath = path.join(dir, '.lock');
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.staleMs = options.staleMs ?? 60_000;
    this.onTakeover = options.onTakeover;
  }

  /** Resolves when this process's queued critical sections have finished. */
  drain(): Promise<void> {
    return this.mutex.drain();
  }

  /** Runs `fn` holding both the in-process mutex and the cross-process lock file. */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      const token = await this.acquire();
      this.held = token;
      try {
        if (this.tookOver) {
          this.tookOver = false;
          await this.onTakeover?.();
        }
        return await fn();
      } finally {
        this.held = null;
        await this.release(token);
      }
    });
  }

  /**
   * Fencing: throws LockLostError unless `.lock` is still this section's. Call inside `withLock`
   * immediately before each rename or unlink that commits a write.
   */
  async assertHeld(): Promise<void> {
    const current = await this.readLockSettled();
    if (this.held !== null && current?.token === this.held) return;
    const by = current ? `pid ${current.pid} on ${current.host}` : 'nobody (the lock file is gone)';
    throw new LockLostError(
      `${this.lockPath} was taken over while this write held it (now held by ${by}); nothing was committed`,
    );
  }

  private async acquire(): Promise<string> {
    const token = randomBytes(12).toString('hex');
    const staging = path.join(this.dir, `.lock.${process.pid}.${token}`);
    ownTokens.add(token);
    try {
      await this.linkWithRetry(staging, token);
      return token;
    } catch (error) {
      ownTokens.delete(token);
      throw error;
    } finally {
      await fs.rm(staging, { force: true });
    }
  }

  /** (Re)writes the staging file, so `acquiredAt` is fresh when the link finally succeeds. */
  private async stage(staging: string, token: string): Promise<number> {
    const content: LockContent = { ...(await selfIdentity()), token, acquiredAt: new Date().toISOString() };
    await fs.writeFile(staging, JSON.stringify(content));
    return Date.now();
  }

  private async linkWithRetry(staging: string, token: string): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    let stagedAt = await this.stage(staging, token);
    let delay = 1;
    for (;;) {
      // Keep acquiredAt fresh while waiting: a lock linked with an old acquiredAt could be judged
      // stale by others (staleMs) while it is still held.
      if (Date.now() - stagedAt > 1_000) stagedAt = await this.stage(staging, token);
      try {
        await fs.link(staging, this.lockPath);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      if (await this.takeOverIfStale()) continue;
      if (Date.now() > deadline) throw new LockTimeoutError(await this.timeoutMessage());
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 25);
    }
  }

  /** Removes the lock file if its holder is gone; true when the caller should retry at once. */
  private async takeOverIfStale(): Promise<boolean> {
    const seen = await this.readLock(this.lockPath);
    if (seen === undefined) return true;
    if (seen !== null && !(await this.isStale(seen))) return false;
    if (seen === null && !(await this.olderThan(this.lockPath, 2_000))) return false;
    const aside = `${this.lockPath}.stale.${process.pid}.${randomBytes(6).toString('hex')}`;
    try {
      await fs.rename(this.lockPath, aside);
    } catch (error) {
      if (isNoEntry(error)) return true;
      throw error;
    }
    const moved = await this.readLock(aside);
    if (
      moved !== undefined &&
      moved !== null &&
      seen !== null &&
      moved.token !== seen.token &&
      !(await this.isStale(moved))
    ) {
      // We renamed a live lock created after our inspection: put it back.
      await fs.link(aside, this.lockPath).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      });
    } else {
      this.tookOver = true;
    }
    await fs.rm(aside, { force: true });
    return true;
  }

  private async isStale(lock: LockContent): Promise<boolean> {
    const liveness = await livenessOf(lock);
    // Our own process knows exactly which of its locks are live. One it does not hold is an
    // orphan (a lock linked back by a racing takeover after this process had released it) once
    // it is a while old: a younger one may be a lock just released and already replaced, read
    // before that happened; renaming "it" aside would move the new holder's lock.
    if (liveness === 'self') {
      if (ownTokens.has(lock.token) || !(Date.now() - Date.parse(lock.acquiredAt) > ORPHAN_GRACE_MS)) return false;
      return this.olderThan(this.lockPath, ORPHAN_GRACE_MS);
    }
    if (liveness !== 'elsewhere') return liveness === 'dead';
    return !(Date.now() - Date.parse(lock.acquiredAt) < this.staleMs);
  }

  private async timeoutMessage(): Promise<string> {
    const holder = await this.readLock(this.lockPath).catch(() => undefined);
    const by = holder ? ` (held by pid ${holder.pid} on ${holder.host} since ${holder.acquiredAt})` : '';
    return `Timed out after ${this.timeoutMs} ms waiting for ${this.lockPath}${by}`;
  }

  /** The lock's content; null when unreadable as a lock; undefined when the file is gone. */
  private async readLock(file: string): Promise<LockContent | null | undefined> {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if (isNoEntry(error)) return undefined;
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as Partial<LockContent>;
      if (typeof parsed.pid === 'number' && typeof parsed.token === 'string' && typeof parsed.acquiredAt === 'string') {
        const machine = typeof parsed.machine === 'string' ? parsed.machine : null;
        const start = typeof parsed.start === 'string' ? parsed.start : null;
        return {
          pid: parsed.pid,
          host: String(parsed.host ?? ''),
          machine,
          start,
          token: parsed.token,
          acquiredAt: parsed.acquiredAt,
        };
      }
      return null;
    } catch {
      return null; // not JSON: a foreign or damaged lock file, judged by its age instead
    }
  }

  private async olderThan(file: string, ms: number): Promise<boolean> {
    try {
      const stats = await fs.stat(file);
      return Date.now() - stats.mtimeMs > ms;
    } catch (error) {
      if (isNoEntry(error)) return true;
      throw error;
    }
  }

  private async release(token: string): Promise<void> {
    try {
      const current = await this.readLockSettled();
      // Only remove our own lock: if it was (wrongly) taken over, the file is someone else's now.
      if (current && current.token === token) await fs.rm(this.lockPath, { force: true });
    } finally {
      ownTokens.delete(token);
    }
  }

  /**
   * The lock's content; when the file is missing, looks again a few times over ~50 ms: a racing
   * takeover that renamed a live lock aside links it back within microseconds.
   */
  private async readLockSettled(): Promise<LockContent | null | undefined> {
    let current = await this.readLock(this.lockPath);
    for (let attempt = 0; current === undefined && attempt < 5; attempt += 1) {
      await sleep(10);
      current = await this.readLock(this.lockPath);
    }
    return current;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Removes lock staging files and set-aside stale locks left by dead processes. */
export async function removeDeadLockLeftovers(dir: string): Promise<void> {
  const names = await fs.readdir(dir);
  for (const name of names) {
    const match = /^\.lock\.(?:stale\.)?(\d+)\.[0-9a-f]+$/.exec(name);
    if (match && !isProcessAlive(Number(match[1]))) await fs.rm(path.join(dir, name), { force: true });
  }
}
