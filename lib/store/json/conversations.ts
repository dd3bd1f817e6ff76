/**
 * Conversations in the JSON store: one file per conversation (conversations/<id>.json) holding
 * its messages inline, in list order, plus the idempotency records of the writes made to it.
 * Message writes live in lib/store/json/messages.ts and rewrite only that one file.
 */
import { conflict } from '../../errors.js';
import { assertStorable } from '../../validation/storable-json.js';
import type {
  ConversationChanges,
  ConversationKey,
  ConversationRecord,
  IdempotencyInput,
  NewConversation,
  PageRequest,
  PageResult,
  Written,
} from '../types.js';
import { CorruptFileError, readSnapshot } from './atomic-file.js';
import { userShelf, type ConversationSummary } from './catalog.js';
import { requireId } from './collections.js';
import { commitConversation, filePath, removeConversation, type ConversationFiles } from './conversation-commit.js';
import { canonicalId, canonicalTime, parseConversationText, type StoredConversation } from './format.js';
import { firstAfter } from './user-shelves.js';
import { checkIdempotency, forgetRecords, withIdempotencyRecord, type IdempotencyCheck } from './idempotency.js';

export { filePath, type ConversationFiles };

/** Reads a conversation file; null when it does not exist. */
export async function readConversation(files: ConversationFiles, id: string): Promise<StoredConversation | null> {
  const file = filePath(files, id);
  const snapshot = await readSnapshot(file);
  return snapshot === null ? null : parseConversationText(file, snapshot.text);
}

/** The user's conversation; null when absent or another user's, even when that one is damaged. */
export async function readOwned(
  files: ConversationFiles,
  userId: string,
  id: string,
): Promise<StoredConversation | null> {
  const owner = canonicalId(userId);
  const target = canonicalId(id);
  if (owner === null || target === null) return null;
  let conversation: StoredConversation | null;
  try {
    conversation = await readConversation(files, target);
  } catch (error) {
    if (error instanceof CorruptFileError && error.owner !== null && error.owner !== owner) return null;
    throw error;
  }
  return conversation && conversation.userId === owner ? conversation : null;
}

export function toConversationRecord(c: StoredConversation): ConversationRecord {
  return {
    id: c.id,
    userId: c.userId,
    title: c.title,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    messageCount: c.messages.length,
    archived: c.archived,
  };
}

/** Resolves an idempotent repeat (replay or conflict); undefined when the write should proceed. */
export async function replayOf<T>(
  files: ConversationFiles,
  userId: string,
  idempotency?: IdempotencyInput,
): Promise<Written<T> | undefined> {
  if (!idempotency) return undefined;
  const check: IdempotencyCheck = await checkIdempotency(files.data, files.catalog, userId, idempotency);
  if (check.kind === 'replay') return { value: check.response as T, replayed: true };
  if (check.kind === 'conflict')
    throw conflict('Idempotency-Key', 'This Idempotency-Key was used with a different request.');
  return undefined;
}

export async function createConversation(
  files: ConversationFiles,
  input: NewConversation,
  idempotency?: IdempotencyInput,
): Promise<Written<ConversationRecord>> {
  assertStorable({ title: input.title });
  const createdAt = canonicalTime(input.createdAt, 'createdAt');
  const base: StoredConversation = {
    id: requireId(input.id, 'id'),
    userId: requireId(input.userId, 'userId'),
    title: input.title,
    archived: false,
    createdAt,
    updatedAt: createdAt,
    lastSeq: 0,
    messages: [],
  };
  return files.data.write(async () => {
    const replay = await replayOf<ConversationRecord>(files, base.userId, idempotency);
    if (replay) return replay;
    if ((await readConversation(files, base.id)) !== null) throw conflict('id');
    const value = toConversationRecord(base);
    const stored = withIdempotencyRecord(base, base.userId, value, idempotency, createdAt);
    await commitConversation(files, stored);
    return { value, replayed: false };
  });
}

export async function getConversation(
  files: ConversationFiles,
  userId: string,
  id: string,
): Promise<ConversationRecord | null> {
  return files.data.read(async () => {
    const conversation = await readOwned(files, userId, id);
    return conversation && toConversationRecord(conversation);
  });
}

export const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export async function listConversations(
  files: ConversationFiles,
  userId: string,
  page: PageRequest<ConversationKey>,
  filter: { archived: boolean } = { archived: false },
): Promise<PageResult<ConversationRecord>> {
  const owner = canonicalId(userId);
  if (owner === null) return { items: [], hasMore: false };
  return files.data.read(async () => {
    const { order } = await userShelf(files.catalog, owner);
    const rows: ConversationSummary[] = [];
    for (let i = firstAfter(order, page.after); i < order.length && rows.length <= page.limit; i++)
      if (order[i]!.archived === filter.archived) rows.push(order[i]!);
    const items = rows.slice(0, page.limit).map(({ idempotency: _records, ...record }) => record);
    return { items, hasMore: rows.length > page.limit };
  });
}

export async function updateConversation(
  files: ConversationFiles,
  userId: string,
  id: string,
  changes: ConversationChanges,
  atInput: string,
): Promise<ConversationRecord | null> {
  assertStorable({ title: changes.title });
  const at = canonicalTime(atInput, 'at');
  return files.data.write(async () => {
    const conversation = await readOwned(files, userId, id);
    if (!conversation) return null;
    const next = {
      ...conversation,
      title: changes.title ?? conversation.title,
      archived: changes.archived ?? conversation.archived,
      updatedAt: at,
    };
    await commitConversation(files, next, { limited: false });
    return toConversationRecord(next);
  });
}

export async function deleteConversation(files: ConversationFiles, userId: string, id: string): Promise<boolean> {
  return files.data.write(async () => {
    const conversation = await readOwned(files, userId, id);
    if (!conversation) return false;
    // Its own records go with its file; older copies in idempotency.json are dropped first.
    await forgetRecords(files.data, conversation.id);
    return removeConversation(files, conversation.id);
  });
}
