/**
 * Idempotency-Key records in the JSON store. A record lives in the conversation file its write
 * changed (top-level `idempotency` array), so it is written atomically with the write. Keys are
 * scoped per user across all of that user's conversations, found through the catalog (which
 * the caller refreshes inside the write lock, so a key written by another process is seen).
 * Records older than 24 hours are ignored and pruned whenever their file is rewritten.
 * Deleting a conversation moves its live records to idempotency.json first, so a repeated
 * request still replays after the deletion, as in PostgreSQL (whose records outlive the row).
 */
import { IDEMPOTENCY_TTL_MS } from '../../idempotency/ttl.js';
import { assertStorable } from '../../validation/storable-text.js';
import type { IdempotencyInput, JsonValue } from '../types.js';
import { userConversations, type Catalog } from './catalog.js';
import type { DataDir } from './data-dir.js';
import { canonicalTime, type IdempotencyRecord, type StoredConversation } from './format.js';

export type IdempotencyCheck =
  | { kind: 'new' }
  | { kind: 'replay'; response: JsonValue }
  | { kind: 'conflict' };

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
  let record = (await data.readCollection<IdempotencyRecord>('idempotency')).find((r) => r.userId === userId && matches(r));
  for (const summary of record ? [] : await userConversations(catalog, userId)) {
    record = summary.idempotency.find(matches);
    if (record) break;
  }
  if (!record) return { kind: 'new' };
  return record.requestHash === input.requestHash ? { kind: 'replay', response: record.response } : { kind: 'conflict' };
}

/** Keeps a deleted conversation's live records in idempotency.json. Call inside the write lock, before the delete. */
export async function preserveRecords(data: DataDir, conversation: StoredConversation, now: string): Promise<void> {
  const moving = (conversation.idempotency ?? []).filter((r) => isLive(r, now));
  const kept = (await data.readCollection<IdempotencyRecord>('idempotency')).filter((r) => isLive(r, now));
  if (moving.length === 0 && kept.length === 0) return;
  await data.writeCollection('idempotency', [...kept, ...moving]);
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
    kept.push({ key: input.key, requestHash: input.requestHash, userId, response: response as JsonValue, createdAt: now });
  }
  const { idempotency: _old, ...rest } = conversation;
  return kept.length > 0 ? { ...rest, idempotency: kept } : rest;
}
