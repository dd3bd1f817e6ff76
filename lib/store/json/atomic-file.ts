/**
 * Durable, atomic file writes and careful reads for the JSON store.
 *
 * A write goes to a temporary file in the same directory (so rename stays on one filesystem),
 * is fsynced, renamed over the target and then the directory is fsynced, so after a crash the
 * target holds either the old or the new complete content (lowdb #333/#549 are what skipping
 * either fsync costs). Temp names carry the writer's pid so leftovers of a dead writer can be
 * recognised and removed (`removeDeadTempFiles`). A `fence` runs immediately before the rename (or
 * unlink) that commits: the data directory passes its lock check there (file-lock.ts, fencing).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs, type BigIntStats } from 'node:fs';
import path from 'node:path';

const TEMP_SUFFIX = '.tmp';
const TEMP_PATTERN = /^\.(.+)\.(\d+)\.([0-9a-f]+)\.tmp$/;

/** A file's content read together with the identity of exactly the version that was read. */
export interface FileSnapshot {
  text: string;
  identity: string;
}

/** The error thrown when a data file exists but is not valid JSON (or not the expected shape). */
export class CorruptFileError extends Error {
  override name = 'CorruptFileError';
  /**
   * @param owner for a conversation file, the owning user's id when it could still be read from
   *   the damaged text (null: unknown), so other users are not affected by it.
   */
  constructor(
    readonly file: string,
    cause: unknown,
    readonly owner: string | null = null,
  ) {
    super(`${file} is not valid JSON`, { cause });
  }
}

/** Runs immediately before the rename or unlink that commits a write; throws to abort it. */
export type Fence = () => Promise<void>;

/**
 * An identity that changes on every atomic write: each write renames a fresh inode into place,
 * and mtime (ns) plus size guard against an inode number being reused.
 */
function fileIdentity(stats: BigIntStats): string {
  return `${stats.ino}:${stats.mtimeNs}:${stats.size}`;
}

export function tempPathFor(target: string): string {
  const dir = path.dirname(target);
  const base = path.basename(target);
  return path.join(dir, `.${base}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
}

const WINDOWS = process.platform === 'win32';

/** fsyncs a directory so a rename or unlink inside it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync (EISDIR/EPERM); NTFS journals the rename itself.
  if (WINDOWS) return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `data` to `target` atomically and durably. */
export async function writeFileAtomic(target: string, data: string, fence?: Fence): Promise<void> {
  const temp = tempPathFor(target);
  let renamed = false;
  try {
    const handle = await fs.open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fence?.();
    await renameWithRetry(temp, target);
    renamed = true;
    await fsyncDir(path.dirname(target));
  } finally {
    if (!renamed) await fs.rm(temp, { force: true });
  }
}

/**
 * On Windows a rename over a file another process has open (a reader) fails with EPERM/EACCES/EBUSY
 * for a moment; retry briefly there, as graceful-fs does. Elsewhere rename is atomic and never
 * needs this.
 */
async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let waited = 0; ; waited += 20) {
    try {
      await fs.rename(from, to);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (!WINDOWS || waited >= 1000 || !(code === 'EPERM' || code === 'EACCES' || code === 'EBUSY')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Serialises `value` as JSON and writes it atomically. */
export function writeJsonAtomic(target: string, value: unknown, fence?: Fence): Promise<void> {
  return writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`, fence);
}

/** Reads a file and its identity from one open handle; null when it does not exist. */
export async function readSnapshot(file: string): Promise<FileSnapshot | null> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    if (isNoEntry(error)) return null;
    throw error;
  }
  try {
    const stats = await handle.stat({ bigint: true });
    const text = await handle.readFile('utf8');
    return { text, identity: fileIdentity(stats) };
  } finally {
    await handle.close();
  }
}

/** The identity of the file's current version, or null when it does not exist. */
export async function statIdentity(file: string): Promise<string | null> {
  try {
    return fileIdentity(await fs.stat(file, { bigint: true }));
  } catch (error) {
    if (isNoEntry(error)) return null;
    throw error;
  }
}

/** Parses JSON, naming the file when it is corrupt. */
export function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CorruptFileError(file, error);
  }
}

/** Reads and parses a JSON file; null when it does not exist. */
export async function readJsonFile(file: string): Promise<unknown> {
  const snapshot = await readSnapshot(file);
  return snapshot === null ? null : parseJson(file, snapshot.text);
}

/** Removes a file durably; false when it did not exist. */
export async function removeFileDurable(file: string, fence?: Fence): Promise<boolean> {
  await fence?.();
  try {
    await fs.unlink(file);
  } catch (error) {
    if (isNoEntry(error)) return false;
    throw error;
  }
  await fsyncDir(path.dirname(file));
  return true;
}

/** True when a process with this pid exists on this machine (EPERM: it exists, not ours). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes temp files in `dir` whose writer process is gone (left by a crash mid-write). */
export async function removeDeadTempFiles(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (error) {
    if (isNoEntry(error)) return 0;
    throw error;
  }
  let removed = 0;
  for (const name of names) {
    const match = TEMP_PATTERN.exec(name);
    if (!match || isProcessAlive(Number(match[2]))) continue;
    await fs.rm(path.join(dir, name), { force: true });
    removed += 1;
  }
  return removed;
}

export function isTempName(name: string): boolean {
  return TEMP_PATTERN.test(name);
}

export function isNoEntry(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
