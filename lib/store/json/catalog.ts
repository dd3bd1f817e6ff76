/**
 * The in-memory index of conversation files: one summary per conversations/<id>.json (owner,
 * title, timestamps, message count, idempotency records). It is only a cache: it is rebuilt
 * from the files and revalidated against each file's identity (inode, mtime, size), so writes
 * by other processes are seen. When the directory itself is unchanged since a scan (same
 * inode and mtime, and that mtime was already in the past at the time of the scan, so a later
 * write within the same clock tick cannot hide), the per-file checks are skipped.
 * Unlike the collections, the catalog is trusted inside the write lock too (re-reading every
 * conversation file per keyed write would cost the whole store); a rewrite that reuses the inode
 * within one mtime tick at the same size would go unnoticed, which the growth of a file by the
 * record or message being written makes practically impossible.
 * A damaged file is kept in the catalog as such, with its owner when that is known (from the
 * file's text, or from the summary cached before it was damaged): the owner's listing, search and
 * keyed writes fail naming it; other users' are not affected. One whose owner cannot be told
 * affects nobody's listing and is logged, once per version of the file.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { logger } from '../../log.js';
import { CorruptFileError, isNoEntry, readSnapshot, statIdentity } from './atomic-file.js';
import { AsyncMutex } from './file-lock.js';
import type { ConversationRecord } from '../types.js';
import { parseConversationText, type IdempotencyRecord, type StoredConversation } from './format.js';
import { isCanonicalUuid } from '../../validation/uuid.js';

/** A conversation's record (as the store returns it) with the file's idempotency records. */
export interface ConversationSummary extends ConversationRecord {
  idempotency: IdempotencyRecord[];
}

type Entry =
  | { identity: string; summary: ConversationSummary; damaged?: undefined }
  | { identity: string; damaged: CorruptFileError; summary?: undefined };

export interface Catalog {
  readonly dir: string;
  entries: Map<string, Entry>;
  /** The directory's identity at the last full scan, when that scan can be trusted later. */
  settledDirIdentity: string | null;
  /**
   * Refreshes run one at a time: an older scan finishing late must not drop an entry that a newer
   * scan (e.g. an idempotency lookup inside the write lock) has just added.
   */
  readonly mutex: AsyncMutex;
}

/** `<id>.json` with the id in canonical lower case (the id, or undefined for any other name). */
const fileId = (name: string): string | undefined => {
  const id = name.endsWith('.json') ? name.slice(0, -'.json'.length) : undefined;
  return isCanonicalUuid(id) ? id : undefined;
};
const SETTLE_MS = 1_000;

export function createCatalog(dir: string): Catalog {
  return { dir, entries: new Map(), settledDirIdentity: null, mutex: new AsyncMutex() };
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

async function dirState(dir: string): Promise<{ identity: string; settled: boolean } | null> {
  try {
    const stats = await fs.stat(dir, { bigint: true });
    const mtimeMs = Number(stats.mtimeNs / 1_000_000n);
    return { identity: `${stats.ino}:${stats.mtimeNs}`, settled: Date.now() - mtimeMs > SETTLE_MS };
  } catch (error) {
    if (isNoEntry(error)) return null;
    throw error;
  }
}

/** Brings the catalog up to date with the files and returns all summaries. */
export function refreshCatalog(catalog: Catalog): Promise<Entry[]> {
  return catalog.mutex.run(() => refreshNow(catalog));
}

async function refreshNow(catalog: Catalog): Promise<Entry[]> {
  const state = await dirState(catalog.dir);
  if (state === null) {
    catalog.entries.clear();
    return [];
  }
  if (state.identity === catalog.settledDirIdentity) return [...catalog.entries.values()];
  const names = await fs.readdir(catalog.dir);
  const ids = names.map(fileId).filter((id): id is string => id !== undefined);
  const seen = new Set(ids);
  await inBatches(ids, (id) => refreshEntry(catalog, id));
  for (const id of catalog.entries.keys()) if (!seen.has(id)) catalog.entries.delete(id);
  catalog.settledDirIdentity = state.settled ? state.identity : null;
  return [...catalog.entries.values()];
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
    catalog.entries.delete(id);
    return;
  }
  try {
    const conversation = parseConversationText(file, snapshot.text);
    catalog.entries.set(id, { identity: snapshot.identity, summary: summarise(conversation) });
  } catch (error) {
    if (!(error instanceof CorruptFileError)) throw error;
    const owner = error.owner ?? cached?.summary?.userId ?? cached?.damaged?.owner ?? null;
    const damaged = owner === error.owner ? error : new CorruptFileError(file, error.cause, owner);
    if (owner === null)
      logger.error('damaged conversation file skipped: its owner cannot be read', {
        file: `conversations/${id}.json`,
        error,
      });
    catalog.entries.set(id, { identity: snapshot.identity, damaged });
  }
}

/** The user's conversation summaries; throws the CorruptFileError of a damaged file of theirs. */
export async function userConversations(catalog: Catalog, userId: string): Promise<ConversationSummary[]> {
  const entries = await refreshCatalog(catalog);
  const damaged = entries.find((entry) => entry.damaged?.owner === userId);
  if (damaged?.damaged) throw damaged.damaged;
  return entries.flatMap((entry) => (entry.summary?.userId === userId ? [entry.summary] : []));
}
