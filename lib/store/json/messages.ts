/**
 * Messages in the JSON store: every write reads the conversation's file under the write lock
 * and rewrites that one file (messages inline, in list order, each with its `seq`, the position
 * of creation). Quota is written to usage.json before the conversation file: a crash between the
 * two over-counts, but can never leave a stored message uncounted.
 */
import { conflict, notFound, validationFailed } from '../../errors.js';
import { creationTime, finalList, planList, quotaUnits, sameBody } from '../../messages/list-plan.js';
import { assertStorable } from '../../validation/storable-json.js';
import type {
  IdempotencyInput,
  ListedMessage,
  MessageBody,
  MessageKey,
  MessageRecord,
  PageRequest,
  PageResult,
  QuotaInput,
  Written,
} from '../types.js';
import { commitConversation, fittingText } from './conversation-commit.js';
import { cmp, readOwned, replayOf, type ConversationFiles } from './conversations.js';
import { canonicalId, canonicalTime, toMessageRecord, type StoredConversation, type StoredMessage } from './format.js';
import { withIdempotencyRecord } from './idempotency.js';
import { quotaExceeded } from '../../usage/quota-error.js';
import { consumeLocked } from './usage-rules.js';

export interface AppendOptions {
  quota?: QuotaInput;
  idempotency?: IdempotencyInput;
}

const ROLES: ReadonlySet<string> = new Set(['user', 'assistant', 'system']);

function checkBody(message: MessageBody, path = ''): void {
  assertStorable({
    [`${path}id`]: message.id,
    [`${path}content`]: message.content,
    [`${path}parts`]: message.parts,
    [`${path}metadata`]: message.metadata,
  });
  // PostgreSQL's messages_role_check refuses other roles; refuse them here too.
  if (!ROLES.has(message.role))
    throw validationFailed([{ path: `${path}role`, message: 'must be user, assistant or system' }]);
}

function normaliseMessage(message: MessageRecord): MessageRecord {
  checkBody(message);
  const conversationId = canonicalId(message.conversationId);
  if (conversationId === null) throw notFound('Conversation');
  return {
    id: message.id,
    conversationId,
    role: message.role,
    content: message.content,
    parts: message.parts,
    metadata: message.metadata,
    createdAt: canonicalTime(message.createdAt, 'createdAt'),
    updatedAt: canonicalTime(message.updatedAt, 'updatedAt'),
  };
}

function cmpMessage(a: MessageKey, b: MessageKey): number {
  return cmp(a.createdAt, b.createdAt) || a.seq - b.seq;
}

/** Adds a new message with the next seq, keeping the list ordered by (createdAt, seq); normally at the end. */
function withNewMessage(conversation: StoredConversation, message: MessageRecord): StoredConversation {
  const { conversationId: _implied, ...rest } = message;
  const stored: StoredMessage = { ...rest, seq: conversation.lastSeq + 1 };
  const messages = conversation.messages.slice();
  let index = messages.length;
  while (index > 0 && cmpMessage(messages[index - 1]!, stored) > 0) index -= 1;
  messages.splice(index, 0, stored);
  return { ...conversation, messages, lastSeq: stored.seq };
}

async function ownedOrThrow(
  files: ConversationFiles,
  userId: string,
  conversationId: string,
): Promise<StoredConversation> {
  const conversation = await readOwned(files, userId, conversationId);
  if (!conversation) throw notFound('Conversation');
  return conversation;
}

async function charge(
  files: ConversationFiles,
  userId: string,
  quota: QuotaInput | undefined,
  units: number,
): Promise<void> {
  if (!quota || units === 0) return;
  const now = canonicalTime(quota.now, 'now');
  const result = await consumeLocked(files.data, userId, quota.limits, now, units);
  if (!result.allowed) throw quotaExceeded(result, now);
}

function ownerId(userIdInput: string): string {
  const userId = canonicalId(userIdInput);
  if (userId === null) throw notFound('Conversation');
  return userId;
}

export async function appendMessage(
  files: ConversationFiles,
  userIdInput: string,
  input: MessageRecord,
  options: AppendOptions = {},
): Promise<Written<MessageRecord>> {
  const message = normaliseMessage(input);
  const userId = ownerId(userIdInput);
  return files.data.write(async () => {
    const replay = await replayOf<MessageRecord>(files, userId, options.idempotency);
    if (replay) return replay;
    const conversation = await ownedOrThrow(files, userId, message.conversationId);
    if (conversation.messages.some((m) => m.id === message.id)) throw conflict('id');
    const next = { ...withNewMessage(conversation, message), updatedAt: message.createdAt };
    const stored = withIdempotencyRecord(next, userId, message, options.idempotency, message.createdAt);
    const text = await fittingText(files, stored);
    await charge(files, userId, options.quota, 1);
    await commitConversation(files, stored, { text });
    return { value: message, replayed: false };
  });
}

export async function putMessage(
  files: ConversationFiles,
  userIdInput: string,
  input: MessageRecord,
  options: { quota?: QuotaInput } = {},
): Promise<{ value: MessageRecord; created: boolean }> {
  const message = normaliseMessage(input);
  const userId = ownerId(userIdInput);
  const at = message.updatedAt;
  return files.data.write(async () => {
    const conversation = await ownedOrThrow(files, userId, message.conversationId);
    const index = conversation.messages.findIndex((m) => m.id === message.id);
    if (index < 0) {
      const created = { ...message, createdAt: at };
      const next = { ...withNewMessage(conversation, created), updatedAt: at };
      const text = await fittingText(files, next);
      await charge(files, userId, options.quota, 1);
      await commitConversation(files, next, { text });
      return { value: created, created: true };
    }
    const current = conversation.messages[index]!;
    if (sameBody(toMessageRecord(conversation.id, current), message)) {
      return { value: toMessageRecord(conversation.id, current), created: false };
    }
    const replaced: StoredMessage = {
      ...current,
      role: message.role,
      content: message.content,
      parts: message.parts,
      metadata: message.metadata,
      updatedAt: at,
    };
    const messages = conversation.messages.slice();
    messages[index] = replaced;
    await commitConversation(files, { ...conversation, messages, updatedAt: at });
    return { value: toMessageRecord(conversation.id, replaced), created: false };
  });
}

/** Removes the messages `pick` selects from the caller's conversation; false when not found or nothing picked. */
async function removeWhere(
  files: ConversationFiles,
  userIdInput: string,
  conversationId: string,
  atInput: string,
  pick: (messages: StoredMessage[]) => { found: boolean; keep: StoredMessage[] },
): Promise<boolean> {
  const userId = canonicalId(userIdInput);
  const at = canonicalTime(atInput, 'at');
  if (userId === null) return false;
  return files.data.write(async () => {
    const conversation = await readOwned(files, userId, conversationId);
    if (!conversation) return false;
    const { found, keep } = pick(conversation.messages);
    if (!found) return false;
    if (keep.length !== conversation.messages.length) {
      await commitConversation(files, { ...conversation, messages: keep, updatedAt: at });
    }
    return true;
  });
}

export function deleteMessage(
  files: ConversationFiles,
  userId: string,
  conversationId: string,
  messageId: string,
  at: string,
) {
  return removeWhere(files, userId, conversationId, at, (messages) => ({
    found: messages.some((m) => m.id === messageId),
    keep: messages.filter((m) => m.id !== messageId),
  }));
}

export function deleteMessagesAfter(
  files: ConversationFiles,
  userId: string,
  conversationId: string,
  messageId: string,
  at: string,
) {
  return removeWhere(files, userId, conversationId, at, (messages) => {
    const index = messages.findIndex((m) => m.id === messageId);
    return { found: index >= 0, keep: index >= 0 ? messages.slice(0, index + 1) : messages };
  });
}

export async function replaceMessages(
  files: ConversationFiles,
  userIdInput: string,
  conversationId: string,
  incoming: MessageBody[],
  options: { now: string; quota?: Omit<QuotaInput, 'now'>; idempotency?: IdempotencyInput },
): Promise<Written<MessageRecord[]>> {
  incoming.forEach((m, i) => checkBody(m, `messages.${i}.`));
  const userId = ownerId(userIdInput);
  const now = canonicalTime(options.now, 'now');
  return files.data.write(async () => {
    const replay = await replayOf<MessageRecord[]>(files, userId, options.idempotency);
    if (replay) return replay;
    const conversation = await ownedOrThrow(files, userId, conversationId);
    const stored = conversation.messages.map((m) => toMessageRecord(conversation.id, m));
    const plan = planList(stored, incoming);
    const createdAt = creationTime(stored, now);
    const value = finalList(conversation.id, stored, plan, now, createdAt);
    if (plan.unchanged && !options.idempotency) return { value, replayed: false };
    const seqOf = new Map(conversation.messages.map((m) => [m.id, m.seq] as const));
    let lastSeq = conversation.lastSeq;
    const messages = value.map(({ conversationId: _c, ...m }) => ({ ...m, seq: seqOf.get(m.id) ?? (lastSeq += 1) }));
    const next = { ...conversation, messages, lastSeq, updatedAt: plan.unchanged ? conversation.updatedAt : now };
    const written = withIdempotencyRecord(next, userId, value, options.idempotency, now);
    const text = await fittingText(files, written);
    await charge(files, userId, options.quota && { limits: options.quota.limits, now }, quotaUnits(plan.create));
    await commitConversation(files, written, { text });
    return { value, replayed: false };
  });
}

export async function listMessages(
  files: ConversationFiles,
  userId: string,
  conversationId: string,
  page: PageRequest<MessageKey>,
): Promise<PageResult<ListedMessage> | null> {
  return files.data.read(async () => {
    const conversation = await readOwned(files, userId, conversationId);
    if (!conversation) return null;
    const after = page.after;
    const rows = conversation.messages.filter((m) => !after || cmpMessage(m, after) > 0).sort(cmpMessage);
    const items = rows.slice(0, page.limit).map((m) => ({ ...toMessageRecord(conversation.id, m), seq: m.seq }));
    return { items, hasMore: rows.length > page.limit };
  });
}
