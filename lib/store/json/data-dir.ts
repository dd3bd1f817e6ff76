/**
 * The JSON store's data directory: initialisation and format check, the write lock, cached
 * collection files, and the translation of file-system failures into AppErrors.
 *
 * Collections (users.json, …) are cached in memory keyed by the file's identity (inode, mtime,
 * size): every atomic write renames a new inode into place, so a changed file — from this
 * process or another — is always noticed and re-read.
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
import { FileLock, LockTimeoutError, removeDeadLockLeftovers } from './file-lock.js';
import { FORMAT_NAME, FORMAT_VERSION, metaProblem, parseCollection, type CollectionName } from './format.js';

export interface DataDirOptions {
  dataDir: string;
  readOnly?: boolean;
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
const OURS = /^(meta|users|sessions|api-tokens|usage|login-failures)\.json$|^conversations$|^\./;

function readOnlyError(dir: string, cause?: unknown): AppError {
  const message =
    `The JSON store at ${dir} cannot be written (read-only filesystem or readOnly mode). ` +
    'Data written here would be lost: set DATABASE_URL to use PostgreSQL.';
  return cause === undefined
    ? misconfigured(message)
    : new AppError(503, 'unavailable', message, { headers: { 'Retry-After': '60' }, cause });
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

export function openDataDir(options: DataDirOptions): DataDir {
  const dir = path.resolve(options.dataDir);
  const conversationsDir = path.join(dir, 'conversations');
  const lock = new FileLock(dir);
  const cache = new Map<string, { identity: string; items: unknown[] }>();
  let writable: { ok: true } | { ok: false; cause?: unknown } = options.readOnly ? { ok: false } : { ok: true };
  let init: Promise<void> | undefined;

  async function checkMeta(): Promise<boolean> {
    const meta = await readJsonFile(path.join(dir, 'meta.json')).catch((error: unknown) => {
      if (error instanceof CorruptFileError) throw misconfigured(`${dir}/meta.json is not valid JSON; refusing to use this data directory.`);
      throw error;
    });
    if (meta === null) return false;
    const problem = metaProblem(meta);
    if (problem) throw misconfigured(`DATA_DIR ${dir} is not a Threadbase JSON store this build can read: ${problem}.`);
    return true;
  }

  async function initialise(): Promise<void> {
    if (await checkMeta()) {
      if (writable.ok) await tidy();
      return;
    }
    const entries = await fs.readdir(dir).catch((error: unknown) => (isNoEntry(error) ? [] : Promise.reject(error)));
    const foreign = entries.filter((name) => !OURS.test(name));
    if (foreign.length > 0) {
      throw misconfigured(`DATA_DIR ${dir} is not empty and has no meta.json (found ${foreign.slice(0, 3).join(', ')}); refusing to use it.`);
    }
    if (!writable.ok) return; // read-only and uninitialised: an empty store
    try {
      await fs.mkdir(conversationsDir, { recursive: true });
      await lock.withLock(async () => {
        if (!(await checkMeta())) await writeJsonAtomic(path.join(dir, 'meta.json'), { format: FORMAT_NAME, version: FORMAT_VERSION });
      });
    } catch (error) {
      const code = errno(error);
      if (code === undefined || !WRITE_DENIED.has(code)) throw error;
      writable = { ok: false, cause: error };
    }
  }

  /** Removes what a crashed writer left behind: temp files and lock staging files of dead pids. */
  async function tidy(): Promise<void> {
    try {
      await removeDeadTempFiles(dir);
      await removeDeadTempFiles(conversationsDir);
      await removeDeadLockLeftovers(dir);
    } catch (error) {
      const code = errno(error);
      if (code === undefined || !WRITE_DENIED.has(code)) throw error;
      writable = { ok: false, cause: error };
    }
  }

  function ready(): Promise<void> {
    init ??= initialise();
    return init;
  }

  return {
    dir,
    conversationsDir,
    async read(fn) {
      try {
        await ready();
        return await fn();
      } catch (error) {
        throw translate(error, dir, false);
      }
    },
    async write(fn) {
      try {
        await ready();
        if (!writable.ok) throw readOnlyError(dir, writable.cause);
        return await lock.withLock(fn);
      } catch (error) {
        throw translate(error, dir, true);
      }
    },
    async readCollection<T>(name: CollectionName): Promise<T[]> {
      const file = path.join(dir, `${name}.json`);
      const cached = cache.get(name);
      if (cached && cached.identity === (await statIdentity(file))) return cached.items as T[];
      const snapshot = await readSnapshot(file);
      if (snapshot === null) return [];
      const items = parseCollection<T>(file, parseJson(file, snapshot.text));
      cache.set(name, { identity: snapshot.identity, items });
      return items;
    },
    drain: () => lock.drain(),
    async writeCollection<T>(name: CollectionName, items: T[]): Promise<void> {
      cache.delete(name);
      await writeJsonAtomic(path.join(dir, `${name}.json`), items);
    },
  };
}
