/**
 * The in-memory index of conversation files: one entry per conversations/<id>.json with its
 * summary (owner, title, timestamps, message count, idempotency records) and, within a memory
 * budget, the parsed conversation itself (search reads it from here). It is only a cache, kept
 * true by three rules:
 * - this process's own writes update it in place (conversation-commit.ts: they hold the write
 *   lock and know what they wrote);
 * - other processes' writes are found through the change journal (change-journal.ts), which
 *   names the changed files and is verified against the conversations directory's identity;
 * - whenever the journal cannot vouch (no journal yet, a writer that keeps none, a crash between
 *   a commit and its line, a replaced or torn journal) every file is re-checked against its
 *   identity (inode, mtime, size) and re-read when it changed — the full scan of earlier versions.
 * The catalog is trusted inside the write lock too (idempotency lookups): the journal is written
 * under that lock, so nothing another Threadbase process committed can be missed.
 * A damaged file is kept in the catalog as such, with its owner when that is known (from the
 * file's text, or from the summary cached before it was damaged): the owner's listing, search and
 * keyed writes fail naming it; other users' are not affected. One whose owner cannot be told
 * affects nobody's listing and is logged, once per version of the file.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { logger } from '../../log.js';
import { CorruptFileError, readSnapshot, statIdentity } from './atomic-file.js';
import { dirIdentity, followChain, journalEnd, readEntries, type JournalCursor } from './change-journal.js';
import { AsyncMutex } from './file-lock.js';
import type { ConversationRecord } from '../types.js';
import { parseConversationText, type IdempotencyRecord, type StoredConversation } from './format.js';
import { isCanonicalUuid } from '../../validation/uuid.js';
import { setShelved, type UserShelf } from './user-shelves.js';

/** A conversation's record (as the store returns it) with the file's idempotency records. */
export interface ConversationSummary extends ConversationRecord {
  idempotency: IdempotencyRecord[];
}

export type Entry =
  | {
      identity: string;
      summary: ConversationSummary;
      conversation: StoredConversation | null;
      bytes: number;
      damaged?: undefined;
    }
  | { identity: string; damaged: CorruptFileError; summary?: undefined; conversation?: undefined; bytes: 0 };

export interface Catalog {
  /** The conversations directory. */
  readonly dir: string;
  /** The change journal's path. */
  readonly journal: string;
  entries: Map<string, Entry>;
  /** The directory identity and journal position the entries are known to reflect; null: unknown. */
  synced: { dir: string; journal: JournalCursor } | null;
  /** Total size of the files whose parsed conversation is kept (entry.conversation). */
  cachedBytes: number;
  /** Budget for cachedBytes; conversations beyond it are kept as summaries only. */
  readonly cacheBytesLimit: number;
  /**
   * Refreshes and in-place updates run one at a time: an older scan finishing late must not drop
   * an entry that a newer write has just set.
   */
  readonly mutex: AsyncMutex;
  /** Called with the id of every entry set or dropped (the search index's change feed). */
  readonly listeners: Set<(id: string) => void>;
  /** Per-user views of the entries (user-shelves.ts). */
  readonly shelves: Map<string, UserShelf>;
}

/** `<id>.json` with the id in canonical lower case (the id, or undefined for any other name). */
const fileId = (name: string): string | undefined => {
  const id = name.endsWith('.json') ? name.slice(0, -'.json'.length) : undefined;
  return isCanonicalUuid(id) ? id : undefined;
};

/**
 * Default budget of parsed conversations kept in memory, counted in file bytes (JSON_STORE_CACHE_MB).
 * Measured at 10,000 conversations × 10 messages (45 MB of files): the parsed conversations take
 * about 1.4× their file size in heap, the search word index about 2× their file size more.
 */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

export function createCatalog(dir: string, journal: string, cacheBytesLimit = DEFAULT_CACHE_BYTES): Catalog {
  return {
    dir,
    journal,
    entries: new Map(),
    synced: null,
    cachedBytes: 0,
    cacheBytesLimit,
    mutex: new AsyncMutex(),
    listeners: new Set(),
    shelves: new Map(),
  };
}

export function summarise(conversation: StoredConversation): ConversationSummary {
  return {
    id: conversation.id,
    userId: conversation.userId,
    title: conversation.title,
    createdAt: conversation.createdAt,
    updatedAt: conversation.updatedAt,
    messageCount: conversation.messages.length,
    archived: conversation.archived,
    idempotency: conversation.idempotency ?? [],
  };
}

/** Sets (or, with undefined, drops) an entry, keeping the cache's byte count and the shelves. */
function setEntry(catalog: Catalog, id: string, entry: Entry | undefined): void {
  const old = catalog.entries.get(id);
  for (const listener of catalog.listeners) listener(id);
  if (old?.conversation) catalog.cachedBytes -= old.bytes;
  if (entry?.conversation && catalog.cachedBytes + entry.bytes > catalog.cacheBytesLimit) entry.conversation = null;
  if (entry?.conversation) catalog.cachedBytes += entry.bytes;
  setShelved(catalog.shelves, id, old, entry);
  if (entry === undefined) catalog.entries.delete(id);
  else catalog.entries.set(id, entry);
}

function goodEntry(identity: string, conversation: StoredConversation, bytes: number): Entry {
  return { identity, summary: summarise(conversation), conversation, bytes };
}

/** Brings the catalog up to date with the files. */
export function refreshCatalog(catalog: Catalog): Promise<void> {
  return catalog.mutex.run(() => refreshNow(catalog));
}

async function refreshNow(catalog: Catalog): Promise<void> {
  // The journal first: a commit between the two stats then shows as a broken chain (a full scan),
  // never as a line skipped.
  const journal = await journalEnd(catalog.journal);
  const dir = await dirIdentity(catalog.dir);
  if (dir === null) {
    for (const id of [...catalog.entries.keys()]) setEntry(catalog, id, undefined);
    catalog.synced = null;
    return;
  }
  const changed = await changedSince(catalog, journal, dir);
  if (changed === null) await fullScan(catalog);
  else await inBatches([...changed], (id) => refreshEntry(catalog, id));
  catalog.synced = { dir, journal };
}

/** The ids the journal says changed since the catalog's sync point; null when it cannot vouch. */
async function changedSince(catalog: Catalog, journal: JournalCursor, dir: string): Promise<Set<string> | null> {
  const synced = catalog.synced;
  if (synced === null) return null;
  if (synced.dir === dir && synced.journal.ino === journal.ino && synced.journal.offset === journal.offset)
    return new Set();
  if (journal.ino === null) return null;
  const from = synced.journal.ino === journal.ino ? synced.journal.offset : 0;
  if (journal.offset < from) return null;
  const entries = await readEntries(catalog.journal, from, journal.offset);
  return entries && followChain(entries, synced.dir, dir);
}

async function fullScan(catalog: Catalog): Promise<void> {
  const names = await fs.readdir(catalog.dir);
  const ids = names.map(fileId).filter((id): id is string => id !== undefined);
  const seen = new Set(ids);
  await inBatches(ids, (id) => refreshEntry(catalog, id));
  for (const id of [...catalog.entries.keys()]) if (!seen.has(id)) setEntry(catalog, id, undefined);
}

const BATCH = 64;

/** Runs `fn` over `items` with up to BATCH calls in flight (stat/read latency overlaps). */
export async function inBatches<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += BATCH) await Promise.all(items.slice(i, i + BATCH).map(fn));
}

async function refreshEntry(catalog: Catalog, id: string): Promise<void> {
  const file = path.join(catalog.dir, `${id}.json`);
  const cached = catalog.entries.get(id);
  if (cached && cached.identity === (await statIdentity(file))) return;
  const snapshot = await readSnapshot(file);
  if (snapshot === null) {
    setEntry(catalog, id, undefined);
    return;
  }
  try {
    const conversation = parseConversationText(file, snapshot.text);
    setEntry(catalog, id, goodEntry(snapshot.identity, conversation, snapshot.text.length));
  } catch (error) {
    if (!(error instanceof CorruptFileError)) throw error;
    const owner = error.owner ?? cached?.summary?.userId ?? cached?.damaged?.owner ?? null;
    const damaged = owner === error.owner ? error : new CorruptFileError(file, error.cause, owner);
    if (owner === null)
      logger.error('damaged conversation file skipped: its owner cannot be read', {
        file: `conversations/${id}.json`,
        error,
      });
    setEntry(catalog, id, { identity: snapshot.identity, damaged, bytes: 0 });
  }
}

/** What a commit by this process (inside the write lock) changed, for recordOwnWrite. */
export interface OwnWrite {
  id: string;
  /** The conversation as written, with the new file's identity and size; null: the file was removed. */
  written: { conversation: StoredConversation; identity: string; bytes: number } | null;
  /** The directory's identity before and after the commit. */
  before: string | null;
  after: string | null;
  /** The journal's end before and after this commit's line; null when it could not be appended. */
  journal: { prev: JournalCursor; next: JournalCursor } | null;
}

/** Updates the catalog in place after a commit of this process; advances its sync point when it can. */
export function recordOwnWrite(catalog: Catalog, write: OwnWrite): Promise<void> {
  return catalog.mutex.run(async () => {
    const w = write.written;
    setEntry(catalog, write.id, w ? goodEntry(w.identity, w.conversation, w.bytes) : undefined);
    const synced = catalog.synced;
    const j = write.journal;
    const inStep =
      synced !== null &&
      j !== null &&
      write.before !== null &&
      write.after !== null &&
      synced.dir === write.before &&
      synced.journal.ino === j.prev.ino &&
      synced.journal.offset === j.prev.offset;
    if (inStep) catalog.synced = { dir: write.after!, journal: j.next };
  });
}

const EMPTY_SHELF: UserShelf = { entries: new Map(), order: [], damaged: new Set(), uncached: 0, keys: new Map() };

/**
 * The user's shelf (their entries, list order, keys) after bringing the catalog up to date;
 * throws the CorruptFileError of a damaged file of theirs. Read it, never change it.
 */
export async function userShelf(catalog: Catalog, userId: string): Promise<UserShelf> {
  await refreshCatalog(catalog);
  const shelf = catalog.shelves.get(userId);
  for (const id of shelf?.damaged ?? []) {
    const damaged = catalog.entries.get(id)?.damaged;
    if (damaged) throw damaged;
  }
  return shelf ?? EMPTY_SHELF;
}
