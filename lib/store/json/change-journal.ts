/**
 * The change journal (DATA_DIR/.catalog-journal): a cache hint that lets a process learn which
 * conversation files other processes changed without re-statting all of them. After each commit
 * of a conversation file, still inside the write lock, the writer appends one line
 *   {"id":"<conversation id>","before":"<dir identity>","after":"<dir identity>"}
 * naming the conversations directory's identity (inode, mtime) just before and just after its
 * change. A reader that knows the files as of directory identity D follows the new lines from
 * where it stopped: each line's `before` must equal the previous `after` (starting at D) and the
 * last `after` must equal the directory's identity now. Then the named files are all that
 * changed; otherwise (a writer that keeps no journal — an older version, a hand edit —, a crash
 * between a commit and its line, a torn or unparseable line, a replaced journal) it cannot vouch,
 * and the reader scans every file instead. So the journal can make a reader do less work but never
 * make it believe something the files do not say (see docs/json-store-format.md for the residual
 * same-clock-tick case). Not fsynced: it only matters to processes that are running.
 * Past MAX_BYTES it is replaced by a new file (atomically) holding only the newest line.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isNoEntry } from './atomic-file.js';

export const JOURNAL_NAME = '.catalog-journal';
const MAX_BYTES = 1 << 20;

export interface JournalEntry {
  id: string;
  before: string;
  after: string;
}

/** A position in one version of the journal file (its inode) — null inode: no journal yet. */
export interface JournalCursor {
  ino: string | null;
  offset: number;
}

export function journalPath(dataDir: string): string {
  return path.join(dataDir, JOURNAL_NAME);
}

/** The directory's identity (inode and mtime in ns); null when it does not exist. */
export async function dirIdentity(dir: string): Promise<string | null> {
  try {
    const stats = await fs.stat(dir, { bigint: true });
    return `${stats.ino}:${stats.mtimeNs}`;
  } catch (error) {
    if (isNoEntry(error)) return null;
    throw error;
  }
}

/** Where the journal ends now. */
export async function journalEnd(file: string): Promise<JournalCursor> {
  try {
    const stats = await fs.stat(file, { bigint: true });
    return { ino: String(stats.ino), offset: Number(stats.size) };
  } catch (error) {
    if (isNoEntry(error)) return { ino: null, offset: 0 };
    throw error;
  }
}

/**
 * The complete lines between `from` and `to` (same inode) parsed; null when any cannot be
 * parsed, or when the range does not start at a line boundary.
 */
export async function readEntries(file: string, from: number, to: number): Promise<JournalEntry[] | null> {
  if (to <= from) return [];
  const handle = await fs.open(file, 'r').catch((error: unknown) => (isNoEntry(error) ? null : Promise.reject(error)));
  if (handle === null) return null;
  try {
    const start = Math.max(0, from - 1);
    const buffer = Buffer.alloc(to - start);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    if (from > 0 && !text.startsWith('\n')) return null;
    const body = from > 0 ? text.slice(1) : text;
    if (!body.endsWith('\n')) return null;
    return parseLines(body.slice(0, -1).split('\n'));
  } finally {
    await handle.close();
  }
}

function parseLines(lines: string[]): JournalEntry[] | null {
  const entries: JournalEntry[] = [];
  for (const line of lines) {
    try {
      const raw = JSON.parse(line) as Partial<JournalEntry> | null;
      if (typeof raw?.id !== 'string' || typeof raw.before !== 'string' || typeof raw.after !== 'string') return null;
      entries.push({ id: raw.id, before: raw.before, after: raw.after });
    } catch {
      return null;
    }
  }
  return entries;
}

/**
 * The ids the entries name, when they chain from `from` to `to` (see the module comment);
 * null when they do not.
 */
export function followChain(entries: JournalEntry[], from: string, to: string): Set<string> | null {
  let at = from;
  const ids = new Set<string>();
  for (const entry of entries) {
    if (entry.before !== at) return null;
    at = entry.after;
    ids.add(entry.id);
  }
  return at === to ? ids : null;
}

/**
 * Appends `entry`; call inside the write lock, after the commit (`replace` writes a new journal
 * atomically under the lock's fence). Returns the journal's end before
 * and after the line (a different inode when the journal was replaced).
 */
export async function appendEntry(
  file: string,
  entry: JournalEntry,
  replace: (text: string) => Promise<void>,
): Promise<{ prev: JournalCursor; next: JournalCursor }> {
  const line = `${JSON.stringify(entry)}\n`;
  const prev = await journalEnd(file);
  if (prev.ino === null || prev.offset > MAX_BYTES || !(await endsWithNewline(file, prev.offset))) {
    await replace(line);
    return { prev, next: await journalEnd(file) };
  }
  const handle = await fs.open(file, 'a');
  try {
    await handle.write(line);
    const stats = await handle.stat({ bigint: true });
    return { prev, next: { ino: String(stats.ino), offset: Number(stats.size) } };
  } finally {
    await handle.close();
  }
}

/** False when the journal's last line is torn (a writer died mid-append). */
async function endsWithNewline(file: string, size: number): Promise<boolean> {
  if (size === 0) return true;
  const handle = await fs.open(file, 'r');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, size - 1);
    return byte[0] === 0x0a;
  } finally {
    await handle.close();
  }
}
