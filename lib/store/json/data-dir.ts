/**
 * The JSON store's data directory: format check, creation on the first write, the write lock
 * (with its fence before every commit), cached collection files, and the translation of
 * file-system failures into AppErrors.
 *
 * Collections (users.json, …) are cached in memory for reads, keyed by the file's identity
 * (inode, mtime, size): every atomic write renames a new inode into place, so a change by this
 * process or another is noticed and re-read. Inside the write lock they are always read from
 * disk, so a read-modify-write never depends on the cache, and a collection is only written in
 * a section that read it successfully: a damaged file is never overwritten.
 * Reads never create anything: a missing directory reads as an empty store until a write makes it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError, isAppError, misconfigured, unavailable } from '../../errors.js';
import {
  CorruptFileError,
  isNoEntry,
  parseJson,
  readJsonFile,
  readSnapshot,
  removeDeadTempFiles,
  removeFileDurable,
  statIdentity,
  writeFileAtomic,
  writeJsonAtomic,
} from './atomic-file.js';
import { corruptFileError, refusalReason, writeRefused } from './file-faults.js';
import { FileLock, LockLostError, LockTimeoutError, removeDeadLockLeftovers } from './file-lock.js';
import { FORMAT_NAME, FORMAT_VERSION, metaProblem, parseCollection, type CollectionName } from './format.js';
import { needsUpgrade, upgradeInPlace, type UpgradeCrashPoint } from './upgrade.js';
import { logger } from '../../log.js';

export interface DataDirOptions {
  dataDir: string;
  readOnly?: boolean;
  /** When a lock held from another machine counts as abandoned (ms; default 60 s). Tests lower it. */
  lockStaleMs?: number;
  /** Test fixtures only: die at this point of the v1 → v2 upgrade (lib/store/json/upgrade.ts). */
  upgradeCrashAt?: UpgradeCrashPoint;
}

export interface DataDir {
  readonly dir: string;
  readonly conversationsDir: string;
  /** True when the store is read-only by configuration (not because of a filesystem fault). */
  readonly readOnly: boolean;
  /** Runs a read; file-system failures become AppErrors. */
  read<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs a read-modify-write under the cross-process lock; refuses when the store is read-only. */
  write<T>(fn: () => Promise<T>): Promise<T>;
  readCollection<T>(name: CollectionName): Promise<T[]>;
  /** Only inside `write`, after reading that collection in the same `write`. */
  writeCollection<T>(name: CollectionName, items: T[]): Promise<void>;
  /** Only inside `write`: writes one file atomically, committing only while the lock is still ours. */
  writeJson(file: string, value: unknown): Promise<void>;
  /** Only inside `write`: like writeJson, for text already serialised. */
  writeText(file: string, text: string): Promise<void>;
  /** Only inside `write`: removes one file durably (same fence); false when it did not exist. */
  removeFile(file: string): Promise<boolean>;
  /** Resolves when this process's queued writes have finished. */
  drain(): Promise<void>;
}

const WRITE_DENIED = new Set(['EACCES', 'EROFS', 'EPERM']);
const OURS = /^(meta|users|sessions|api-tokens|usage|login-failures|idempotency)\.json$|^conversations$|^\./;

/** misconfigured() from lib/errors.ts, keeping the cause when there is one. */
function configurationError(message: string, cause?: unknown): AppError {
  const error = misconfigured(message);
  return cause === undefined
    ? error
    : new AppError(error.status, error.code, message, { headers: error.headers, cause });
}

function readOnlyError(): AppError {
  return configurationError(
    // No path in the message: it reaches clients (a Vercel function's filesystem path says nothing to them).
    'This deployment has no database, and its JSON store is read-only: data written here would be lost. ' +
      'Set DATABASE_URL to use PostgreSQL.',
  );
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function translate(error: unknown, dir: string, writing: boolean): unknown {
  if (isAppError(error)) return error;
  if (error instanceof CorruptFileError) return corruptFileError(dir, error);
  if (error instanceof LockTimeoutError || error instanceof LockLostError) return unavailable(error);
  const code = errno(error);
  const reason = writing ? refusalReason(code) : undefined;
  if (reason !== undefined) return writeRefused(reason, error);
  if (code !== undefined) return unavailable(error);
  return error;
}

/** True when meta.json exists and is ours; throws a configuration error when it is not. */
export async function checkMeta(dir: string): Promise<boolean> {
  const file = path.join(dir, 'meta.json');
  const meta = await readJsonFile(file).catch((error: unknown) => {
    if (error instanceof CorruptFileError)
      throw configurationError(`${file} is not valid JSON; refusing to use this data directory.`, error);
    throw error;
  });
  if (meta === null) return false;
  const problem = metaProblem(meta);
  if (problem)
    throw configurationError(`DATA_DIR ${dir} is not a Threadbase JSON store this build can read: ${problem}.`);
  return true;
}

/** The data directory of one store instance; owns its lock and its collection cache. */
class JsonDataDir implements DataDir {
  readonly dir: string;
  readonly conversationsDir: string;
  readonly readOnly: boolean;
  private readonly lock: FileLock;
  private readonly upgradeCrashAt: UpgradeCrashPoint | undefined;
  private readonly cache = new Map<CollectionName, { identity: string; items: unknown[] }>();
  /** Resolves to whether meta.json exists (the directory was initialised). */
  private opened: Promise<boolean> | undefined;
  private created = false;
  /** True while this process holds the write lock (the mutex makes that one section at a time). */
  private inLock = false;
  /** Collections read successfully in the running write section: the only ones it may write. */
  private readonly readInLock = new Set<CollectionName>();

  constructor(options: DataDirOptions) {
    this.dir = path.resolve(options.dataDir);
    this.conversationsDir = path.join(this.dir, 'conversations');
    this.readOnly = options.readOnly ?? false;
    this.upgradeCrashAt = options.upgradeCrashAt;
    this.lock = new FileLock(this.dir, { staleMs: options.lockStaleMs, onTakeover: () => this.tidy() });
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
      const initialised = await this.ready();
      if (this.readOnly) throw readOnlyError();
      if (!initialised && !this.created) await this.create();
      return await this.lock.withLock(async () => {
        this.inLock = true;
        this.readInLock.clear();
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
    const items = snapshot === null ? [] : parseCollection<T>(file, parseJson(file, snapshot.text));
    if (this.inLock) this.readInLock.add(name);
    if (snapshot !== null) this.cache.set(name, { identity: snapshot.identity, items });
    return items;
  }

  async writeCollection<T>(name: CollectionName, items: T[]): Promise<void> {
    // Throws CorruptFileError (and so writes nothing) when the file on disk is damaged.
    if (!this.readInLock.has(name)) await this.readCollection(name);
    this.cache.delete(name);
    await this.writeJson(path.join(this.dir, `${name}.json`), items);
  }

  writeJson(file: string, value: unknown): Promise<void> {
    return writeJsonAtomic(file, value, () => this.lock.assertHeld());
  }

  writeText(file: string, text: string): Promise<void> {
    return writeFileAtomic(file, text, () => this.lock.assertHeld());
  }

  removeFile(file: string): Promise<boolean> {
    return removeFileDurable(file, () => this.lock.assertHeld());
  }

  drain(): Promise<void> {
    return this.lock.drain();
  }

  private ready(): Promise<boolean> {
    // A failed start (e.g. a bad meta.json that the operator then fixes) is retried next call.
    this.opened ??= this.open().catch((error: unknown) => {
      this.opened = undefined;
      throw error;
    });
    return this.opened;
  }

  /** Checks the format; refuses a foreign directory. Creates nothing. */
  private async open(): Promise<boolean> {
    if (await checkMeta(this.dir)) {
      if (!this.readOnly) {
        await this.tidy();
        // A version-1 directory (or an interrupted upgrade) is brought to version 2 before first use.
        if (await needsUpgrade(this.dir)) await this.lock.withLock(() => this.upgrade());
      }
      return true;
    }
    const entries = await fs
      .readdir(this.dir)
      .catch((error: unknown) => (isNoEntry(error) ? [] : Promise.reject(error)));
    const foreign = entries.filter((name) => !OURS.test(name));
    if (foreign.length > 0) {
      const found = foreign.slice(0, 3).join(', ');
      throw configurationError(
        `DATA_DIR ${this.dir} is not empty and has no meta.json (found ${found}); refusing to use it.`,
      );
    }
    return false;
  }

  /** The first write to an uninitialised directory makes it (and meta.json). */
  private async create(): Promise<void> {
    await fs.mkdir(this.conversationsDir, { recursive: true });
    await this.lock.withLock(async () => {
      const meta = { format: FORMAT_NAME, version: FORMAT_VERSION };
      if (!(await checkMeta(this.dir))) await this.writeJson(path.join(this.dir, 'meta.json'), meta);
    });
    this.created = true;
  }

  private async upgrade(): Promise<void> {
    await upgradeInPlace(this.dir, this.conversationsDir, {
      crashAt: this.upgradeCrashAt,
      fence: () => this.lock.assertHeld(),
      log: (message) => logger.info(message, { dataDir: this.dir }),
    });
  }

  /**
   * Removes what a crashed writer left behind: temp files and lock staging files of dead pids.
   * Best effort: on a filesystem that refuses writes there is nothing it can remove, and reads
   * must still work.
   */
  private async tidy(): Promise<void> {
    try {
      await removeDeadTempFiles(this.dir);
      await removeDeadTempFiles(this.conversationsDir);
      await removeDeadLockLeftovers(this.dir);
    } catch (error) {
      const code = errno(error);
      if (code === undefined || !WRITE_DENIED.has(code)) throw error;
    }
  }
}

export function openDataDir(options: DataDirOptions): DataDir {
  return new JsonDataDir(options);
}
