/**
 * Conversations and messages in the JSON store: one file per conversation
 * (conversations/<id>.json) holding its messages inline, oldest first, plus the idempotency
 * records of the writes made to it. A message append rewrites only that one file.
 *
 * appendMessage with a quota writes usage.json before the conversation file: a crash between
 * the two over-counts one unit, but can never leave a stored message uncounted.
 */
import path from 'node:path';
import { conflict, notFound, validationFailed } from '../../errors.js';
import { assertStorable } from '../../validation/storable-json.js';
import type {
  ConversationKey,
  ConversationRecord,
  IdempotencyInput,
  MessageKey,
  MessageRecord,
  PageRequest,
  PageResult,
  Written,
} from '../types.js';
import type { UsageLimits } from '../../config.js';
import { CorruptFileError, readSnapshot } from './atomic-file.js';
import { userConversations, type Catalog } from './catalog.js';
import { requireId } from './collections.js';
import type { DataDir } from './data-dir.js';
import { canonicalId, canonicalTime, parseConversationText, toMessageRecord, type StoredConversation } from './format.js';
import { checkIdempotency, forgetRecords, withIdempotencyRecord, type IdempotencyCheck } from './idempotency.js';
import { quotaExceeded } from '../../usage/quota-error.js';
import { consumeLocked } from './usage-rules.js';

export interface ConversationFiles {
  data: DataDir;
  catalog: Catalog;
}

function filePath(files: ConversationFiles, id: string): string {
  return path.join(files.data.conversationsDir, `${id}.json`);
}

/** Reads a conversation file; null when it does not exist. */
export async function readConversation(files: ConversationFiles, id: string): Promise<StoredConversation | null> {
  const file = filePath(files, id);
  const snapshot = await readSnapshot(file);
  return snapshot === null ? null : parseConversationText(file, snapshot.text);
}

/** The user's conversation; null when absent or another user's, even when that one is damaged. */
async function readOwned(files: ConversationFiles, userId: string, id: string): Promise<StoredConversation | null> {
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
  return { id: c.id, userId: c.userId, title: c.title, createdAt: c.createdAt, updatedAt: c.updatedAt, messageCount: c.messages.length };
}

/** Resolves an idempotent repeat (replay or conflict); undefined when the write should proceed. */
async function replayOf<T>(files: ConversationFiles, userId: string, idempotency?: IdempotencyInput): Promise<Written<T> | undefined> {
  if (!idempotency) return undefined;
  const check: IdempotencyCheck = await checkIdempotency(files.data, files.catalog, userId, idempotency);
  if (check.kind === 'replay') return { value: check.response as T, replayed: true };
  if (check.kind === 'conflict') throw conflict('Idempotency-Key', 'This Idempotency-Key was used with a different request.');
  return undefined;
}

export async function createConversation(
  files: ConversationFiles,
  input: Omit<ConversationRecord, 'messageCount' | 'updatedAt'>,
  idempotency?: IdempotencyInput,
): Promise<Written<ConversationRecord>> {
  assertStorable({ title: input.title });
  const createdAt = canonicalTime(input.createdAt, 'createdAt');
  const base: StoredConversation = {
    id: requireId(input.id, 'id'),
    userId: requireId(input.userId, 'userId'),
    title: input.title,
    createdAt,
    updatedAt: createdAt,
    messages: [],
  };
  return files.data.write(async () => {
    const replay = await replayOf<ConversationRecord>(files, base.userId, idempotency);
    if (replay) return replay;
    if ((await readConversation(files, base.id)) !== null) throw conflict('id');
    const value = toConversationRecord(base);
    const stored = withIdempotencyRecord(base, base.userId, value, idempotency, createdAt);
    await files.data.writeJson(filePath(files, base.id), stored);
    return { value, replayed: false };
  });
}

export async function getConversation(files: ConversationFiles, userId: string, id: string): Promise<ConversationRecord | null> {
  return files.data.read(async () => {
    const conversation = await readOwned(files, userId, id);
    return conversation && toConversationRecord(conversation);
  });
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export async function listConversations(
  files: ConversationFiles,
  userId: string,
  page: PageRequest<ConversationKey>,
): Promise<PageResult<ConversationRecord>> {
  const owner = canonicalId(userId);
  if (owner === null) return { items: [], hasMore: false };
  return files.data.read(async () => {
    const after = page.after;
    const rows = (await userConversations(files.catalog, owner))
      .filter((c) => !after || c.updatedAt < after.updatedAt || (c.updatedAt === after.updatedAt && c.id < after.id))
      .sort((a, b) => cmp(b.updatedAt, a.updatedAt) || cmp(b.id, a.id));
    const items = rows.slice(0, page.limit).map(({ idempotency: _records, ...record }) => record);
    return { items, hasMore: rows.length > page.limit };
  });
}

export async function renameConversation(
  files: ConversationFiles,
  userId: string,
  id: string,
  title: string,
  atInput: string,
): Promise<ConversationRecord | null> {
  assertStorable({ title });
  const at = canonicalTime(atInput, 'at');
  return files.data.write(async () => {
    const conversation = await readOwned(files, userId, id);
    if (!conversation) return null;
    const next = { ...conversation, title, updatedAt: at };
    await files.data.writeJson(filePath(files, conversation.id), next);
    return toConversationRecord(next);
  });
}

export async function deleteConversation(files: ConversationFiles, userId: string, id: string): Promise<boolean> {
  return files.data.write(async () => {
    const conversation = await readOwned(files, userId, id);
    if (!conversation) return false;
    // Its own records go with its file; older copies in idempotency.json are dropped first.
    await forgetRecords(files.data, conversation.id);
    return files.data.removeFile(filePath(files, conversation.id));
  });
}

export interface AppendOptions {
  quota?: { limits: UsageLimits; now: string };
  idempotency?: IdempotencyInput;
}

const ROLES: ReadonlySet<string> = new Set(['user', 'assistant', 'system']);

function normaliseMessage(message: MessageRecord): MessageRecord {
  assertStorable({ content: message.content, metadata: message.metadata });
  // PostgreSQL's messages_role_check refuses other roles; refuse them here too.
  if (!ROLES.has(message.role)) throw validationFailed([{ path: 'role', message: 'must be user, assistant or system' }]);
  const conversationId = canonicalId(message.conversationId);
  if (conversationId === null) throw notFound('Conversation');
  return {
    id: requireId(message.id, 'id'),
    conversationId,
    role: message.role,
    content: message.content,
    metadata: message.metadata,
    createdAt: canonicalTime(message.createdAt, 'createdAt'),
  };
}

/** Inserts keeping messages ordered by (createdAt, id); normally that is the end. */
function insertOrdered(conversation: StoredConversation, message: MessageRecord): StoredConversation['messages'] {
  const { conversationId: _implied, ...stored } = message;
  const messages = conversation.messages.slice();
  let index = messages.length;
  while (index > 0 && cmpMessage(messages[index - 1]!, stored) > 0) index -= 1;
  messages.splice(index, 0, stored);
  return messages;
}

function cmpMessage(a: MessageKey, b: MessageKey): number {
  return cmp(a.createdAt, b.createdAt) || cmp(a.id, b.id);
}

export async function appendMessage(
  files: ConversationFiles,
  userIdInput: string,
  input: MessageRecord,
  options: AppendOptions = {},
): Promise<Written<MessageRecord>> {
  const message = normaliseMessage(input);
  const userId = canonicalId(userIdInput);
  if (userId === null) throw notFound('Conversation');
  return files.data.write(async () => {
    const replay = await replayOf<MessageRecord>(files, userId, options.idempotency);
    if (replay) return replay;
    const conversation = await readOwned(files, userId, message.conversationId);
    if (!conversation) throw notFound('Conversation');
    if (conversation.messages.some((m) => m.id === message.id)) throw conflict('id');
    if (options.quota) {
      const now = canonicalTime(options.quota.now, 'now');
      const result = await consumeLocked(files.data, userId, options.quota.limits, now);
      if (!result.allowed) throw quotaExceeded(result, now);
    }
    const next = { ...conversation, messages: insertOrdered(conversation, message), updatedAt: message.createdAt };
    const stored = withIdempotencyRecord(next, userId, message, options.idempotency, message.createdAt);
    await files.data.writeJson(filePath(files, conversation.id), stored);
    return { value: message, replayed: false };
  });
}

export async function listMessages(
  files: ConversationFiles,
  userId: string,
  conversationId: string,
  page: PageRequest<MessageKey>,
): Promise<PageResult<MessageRecord> | null> {
  return files.data.read(async () => {
    const conversation = await readOwned(files, userId, conversationId);
    if (!conversation) return null;
    const after = page.after;
    const rows = conversation.messages
      .filter((m) => !after || cmpMessage(m, after) > 0)
      .sort(cmpMessage);
    const items = rows.slice(0, page.limit).map((m) => toMessageRecord(conversation.id, m));
    return { items, hasMore: rows.length > page.limit };
  });
}
