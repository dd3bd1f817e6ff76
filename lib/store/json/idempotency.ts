/**
 * Idempotency-Key records in the JSON store. A record lives in the conversation file its write
 * changed (top-level `idempotency` array), so it is written atomically with the write. Keys are
 * scoped per user across all of that user's conversations, found through the catalog's map of
 * keys to conversations (user-shelves.ts), refreshed inside the write lock, so a key written by
 * another process is seen.
 * Records older than 24 hours are ignored and pruned whenever their file is rewritten.
 * Deleting a conversation deletes its records with it (they are in its file), as PostgreSQL does
 * in the delete's statement, so a retried key never replays a write to a deleted conversation.
 * idempotency.json holds only records that earlier versions moved there on delete; they are
 * still read, and a delete drops those of the conversation it deletes.
 */
import { IDEMPOTENCY_TTL_MS } from '../../idempotency/ttl.js';
import { assertStorable } from '../../validation/storable-json.js';
import type { IdempotencyInput, JsonValue } from '../types.js';
import { userShelf, type Catalog } from './catalog.js';
import type { DataDir } from './data-dir.js';
import { canonicalTime, type IdempotencyRecord, type StoredConversation } from './format.js';

export type IdempotencyCheck = { kind: 'new' } | { kind: 'replay'; response: JsonValue } | { kind: 'conflict' };

function isLive(record: IdempotencyRecord, now: string): boolean {
  return Date.parse(now) - Date.parse(record.createdAt) < IDEMPOTENCY_TTL_MS;
}

/** Looks `input.key` up among the user's live records. Call inside the write lock. */
export async function checkIdempotency(
  data: DataDir,
  catalog: Catalog,
  userId: string,
  input: IdempotencyInput,
): Promise<IdempotencyCheck> {
  const now = canonicalTime(input.now, 'now');
  const matches = (r: IdempotencyRecord): boolean => r.key === input.key && isLive(r, now);
  let record = (await data.readCollection<IdempotencyRecord>('idempotency')).find(
    (r) => r.userId === userId && matches(r),
  );
  const shelf = await userShelf(catalog, userId);
  for (const id of record ? [] : (shelf.keys.get(input.key) ?? [])) {
    record = shelf.entries.get(id)?.summary?.idempotency.find(matches);
    if (record) break;
  }
  if (!record) return { kind: 'new' };
  return record.requestHash === input.requestHash
    ? { kind: 'replay', response: record.response }
    : { kind: 'conflict' };
}

/** True when `record` is of a write to conversation `id` (a message names it; a create returned it). */
function isOfConversation(record: IdempotencyRecord, id: string): boolean {
  const response = record.response;
  if (response === null || typeof response !== 'object' || Array.isArray(response)) return false;
  return response.conversationId === undefined ? response.id === id : response.conversationId === id;
}

/** Drops conversation `id`'s records from idempotency.json. Call inside the write lock, before the delete. */
export async function forgetRecords(data: DataDir, id: string): Promise<void> {
  const rows = await data.readCollection<IdempotencyRecord>('idempotency');
  const kept = rows.filter((r) => !isOfConversation(r, id));
  if (kept.length !== rows.length) await data.writeCollection('idempotency', kept);
}

/** The conversation with expired records pruned and, when the write was keyed, its record added. */
export function withIdempotencyRecord(
  conversation: StoredConversation,
  userId: string,
  response: object,
  input: IdempotencyInput | undefined,
  fallbackNow: string,
): StoredConversation {
  const now = input ? canonicalTime(input.now, 'now') : fallbackNow;
  const kept = (conversation.idempotency ?? []).filter((r) => isLive(r, now) && r.key !== input?.key);
  if (input) {
    assertStorable({ idempotencyKey: input.key, requestHash: input.requestHash });
    kept.push({
      key: input.key,
      requestHash: input.requestHash,
      userId,
      response: response as JsonValue,
      createdAt: now,
    });
  }
  const { idempotency: _old, ...rest } = conversation;
  return kept.length > 0 ? { ...rest, idempotency: kept } : rest;
}
