/**
 * The JSON store's data directory: initialisation and format check, the write lock, cached
 * collection files, and the translation of file-system failures into AppErrors.
 *
 * Collections (users.json, …) are cached in memory for reads, keyed by the file's identity
 * (inode, mtime, size): every atomic write renames a new inode into place, so a change by this
 * process or another is noticed and re-read. Inside the write lock they are always read from
 * disk, so a read-modify-write never depends on the cache.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError, internal, isAppError, misconfigured, unavailable } from '../../errors.js';
import {
  CorruptFileError,
  isNoEntry,
  parseJson,
  readJsonFile,
  readSnapshot,
  removeDeadTempFiles,
  statIdentity,
  writeJsonAtomic,
} from './atomic-file.js';
import { logger } from '../../log.js';
import { FileLock, LockTimeoutError, removeDeadLockLeftovers } from './file-lock.js';
import { FORMAT_NAME, FORMAT_VERSION, metaProblem, parseCollection, type CollectionName } from './format.js';
import { upgradeInPlace, type UpgradeCrashPoint } from './upgrade.js';

export interface DataDirOptions {
  dataDir: string;
  readOnly?: boolean;
  /** Test fixtures only: die at this point of the v1 → v2 upgrade (lib/store/json/upgrade.ts). */
  upgradeCrashAt?: UpgradeCrashPoint;
}

export interface DataDir {
  readonly dir: string;
  readonly conversationsDir: string;
  /** Runs a read; file-system failures become AppErrors. */
  read<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs a read-modify-write under the cross-process lock; refuses when the store is read-only. */
  write<T>(fn: () => Promise<T>): Promise<T>;
  readCollection<T>(name: CollectionName): Promise<T[]>;
  /** Only inside `write`. */
  writeCollection<T>(name: CollectionName, items: T[]): Promise<void>;
  /** Resolves when this process's queued writes have finished. */
  drain(): Promise<void>;
}

const WRITE_DENIED = new Set(['EACCES', 'EROFS', 'EPERM']);
const OURS = /^(meta|users|sessions|api-tokens|usage|login-failures|idempotency)\.json$|^conversations$|^\./;

/** misconfigured() from lib/errors.ts, keeping the cause when there is one. */
function configurationError(message: string, cause?: unknown): AppError {
  const error = misconfigured(message);
  return cause === undefined ? error : new AppError(error.status, error.code, message, { headers: error.headers, cause });
}

function readOnlyError(dir: string, cause?: unknown): AppError {
  return configurationError(
    `The JSON store at ${dir} cannot be written (read-only filesystem or readOnly mode). ` +
      'Data written here would be lost: set DATABASE_URL to use PostgreSQL.',
    cause,
  );
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function translate(error: unknown, dir: string, writing: boolean): unknown {
  if (isAppError(error)) return error;
  if (error instanceof CorruptFileError) return internal(error);
  if (error instanceof LockTimeoutError) return unavailable(error);
  const code = errno(error);
  if (writing && code !== undefined && WRITE_DENIED.has(code)) return readOnlyError(dir, error);
  if (code !== undefined) return unavailable(error);
  return error;
}

/** The data directory of one store instance; owns its lock and its collection cache. */
class JsonDataDir implements DataDir {
  readonly dir: string;
  readonly conversationsDir: string;
  private readonly lock: FileLock;
  private readonly upgradeCrashAt: UpgradeCrashPoint | undefined;
  private readonly cache = new Map<CollectionName, { identity: string; items: unknown[] }>();
  private writable: { ok: true } | { ok: false; cause?: unknown };
  private init: Promise<void> | undefined;
  /** True while this process holds the write lock (the mutex makes that one section at a time). */
  private inLock = false;

  constructor(options: DataDirOptions) {
    this.dir = path.resolve(options.dataDir);
    this.conversationsDir = path.join(this.dir, 'conversations');
    this.lock = new FileLock(this.dir, { onTakeover: () => this.denyWritesOn(() => this.tidy()) });
    this.writable = options.readOnly ? { ok: false } : { ok: true };
    this.upgradeCrashAt = options.upgradeCrashAt;
  }

  async read<T>(fn: () => Promise<T>): Promise<T> {
    try {
      await this.ready();
      return await fn();
    } catch (error) {
      throw translate(error, this.dir, false);
    }
  }

  async write<T>(fn: () => Promise<T>): Promise<T> {
    try {
      await this.ready();
      if (!this.writable.ok) throw readOnlyError(this.dir, this.writable.cause);
      return await this.lock.withLock(async () => {
        this.inLock = true;
        try {
          return await fn();
        } finally {
          this.inLock = false;
        }
      });
    } catch (error) {
      throw translate(error, this.dir, true);
    }
  }

  async readCollection<T>(name: CollectionName): Promise<T[]> {
    const file = path.join(this.dir, `${name}.json`);
    const cached = this.cache.get(name);
    // A read-modify-write always reads the file itself: the identity check is a strong hint, not
    // a proof (an inode reused within one mtime tick at the same size would pass it).
    if (!this.inLock && cached && cached.identity === (await statIdentity(file))) return cached.items as T[];
    const snapshot = await readSnapshot(file);
    if (snapshot === null) return [];
    const items = parseCollection<T>(file, parseJson(file, snapshot.text));
    this.cache.set(name, { identity: snapshot.identity, items });
    return items;
  }

  async writeCollection<T>(name: CollectionName, items: T[]): Promise<void> {
    this.cache.delete(name);
    await writeJsonAtomic(path.join(this.dir, `${name}.json`), items);
  }

  drain(): Promise<void> {
    return this.lock.drain();
  }

  private ready(): Promise<void> {
    // A failed start (e.g. a bad meta.json that the operator then fixes) is retried next call.
    this.init ??= this.initialise().catch((error: unknown) => {
      this.init = undefined;
      throw error;
    });
    return this.init;
  }

  private async checkMeta(): Promise<boolean> {
    const file = path.join(this.dir, 'meta.json');
    const meta = await readJsonFile(file).catch((error: unknown) => {
      if (error instanceof CorruptFileError) throw configurationError(`${file} is not valid JSON; refusing to use this data directory.`, error);
      throw error;
    });
    if (meta === null) return false;
    const problem = metaProblem(meta);
    if (problem) throw configurationError(`DATA_DIR ${this.dir} is not a Threadbase JSON store this build can read: ${problem}.`);
    return true;
  }

  private async initialise(): Promise<void> {
    if (await this.checkMeta()) {
      if (this.writable.ok) await this.denyWritesOn(() => this.tidy());
      // A version-1 directory (or an interrupted upgrade) is brought to version 2 before first use.
      if (this.writable.ok) await this.denyWritesOn(() => this.lock.withLock(() => this.upgrade()));
      return;
    }
    const entries = await fs.readdir(this.dir).catch((error: unknown) => (isNoEntry(error) ? [] : Promise.reject(error)));
    const foreign = entries.filter((name) => !OURS.test(name));
    if (foreign.length > 0) {
      const found = foreign.slice(0, 3).join(', ');
      throw configurationError(`DATA_DIR ${this.dir} is not empty and has no meta.json (found ${found}); refusing to use it.`);
    }
    if (!this.writable.ok) return; // read-only and uninitialised: an empty store
    await this.denyWritesOn(async () => {
      await fs.mkdir(this.conversationsDir, { recursive: true });
      await this.lock.withLock(async () => {
        const meta = { format: FORMAT_NAME, version: FORMAT_VERSION };
        if (!(await this.checkMeta())) await writeJsonAtomic(path.join(this.dir, 'meta.json'), meta);
      });
    });
  }

  private async upgrade(): Promise<void> {
    const log = (message: string) => logger.info(message, { dataDir: this.dir });
    await upgradeInPlace(this.dir, this.conversationsDir, { crashAt: this.upgradeCrashAt, log });
  }

  /** Removes what a crashed writer left behind: temp files and lock staging files of dead pids. */
  private async tidy(): Promise<void> {
    await removeDeadTempFiles(this.dir);
    await removeDeadTempFiles(this.conversationsDir);
    await removeDeadLockLeftovers(this.dir);
  }

  /** Runs a start-up write; a filesystem that refuses it makes the store read-only (reads still work). */
  private async denyWritesOn(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      const code = errno(error);
      if (code === undefined || !WRITE_DENIED.has(code)) throw error;
      this.writable = { ok: false, cause: error };
    }
  }
}

export function openDataDir(options: DataDirOptions): DataDir {
  return new JsonDataDir(options);
}
