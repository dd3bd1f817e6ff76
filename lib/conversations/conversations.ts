/**
 * Conversations: create (optionally under an Idempotency-Key), list newest first, read with
 * messages, rename, delete. Another user's conversation is indistinguishable from a missing one.
 */
import { z } from 'zod';
import { notFound } from '../errors.js';
import { presentMessage, publicMessage } from '../messages/present.js';
import { pageRequest, toPage, type ListRef, type PageQuery } from '../pagination/cursor.js';
import type { ConversationRecord, IdempotencyInput, MessageRecord, Store, Written } from '../store/types.js';
import { isoTimestamp, uuid } from '../validation/resource-fields.js';
import { storable } from '../validation/storable-schema.js';
import { newId } from './ids.js';

export const DEFAULT_TITLE = 'New conversation';

const title = storable(z.string().trim().min(1).max(200));
export const createConversationBody = z.object({ title: title.optional() });
export const renameConversationBody = z.object({ title });
export type CreateConversationBody = z.infer<typeof createConversationBody>;

export const publicConversation = z.object({
  id: uuid,
  title: z.string(),
  createdAt: isoTimestamp,
  updatedAt: isoTimestamp,
  messageCount: z.number().int(),
});
export type PublicConversation = z.infer<typeof publicConversation>;
export const conversationWithMessages = publicConversation.extend({ messages: z.array(publicMessage) });

export function presentConversation(record: ConversationRecord): PublicConversation {
  return {
    id: record.id,
    title: record.title,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    messageCount: record.messageCount,
  };
}

export async function createConversation(
  store: Store,
  userId: string,
  body: CreateConversationBody,
  now: string,
  idempotency?: IdempotencyInput,
): Promise<Written<PublicConversation>> {
  const written = await store.createConversation(
    { id: newId(), userId, title: body.title ?? DEFAULT_TITLE, createdAt: now },
    idempotency,
  );
  return { value: presentConversation(written.value), replayed: written.replayed };
}

/** There is one conversation list per user (the scope names it, should a filter such as `archived` come). */
const conversationList: ListRef<'conversations'> = { kind: 'conversations', scope: 'all' };

export async function listConversations(store: Store, userId: string, query: PageQuery) {
  const page = await store.listConversations(userId, pageRequest(conversationList, query));
  return toPage(conversationList, page, (c) => ({ updatedAt: c.updatedAt, id: c.id }), presentConversation);
}

const MESSAGE_PAGE = 100;

/** All messages of a conversation, oldest first, fetched a page at a time; null when not found. */
async function allMessages(store: Store, userId: string, conversationId: string): Promise<MessageRecord[] | null> {
  const out: MessageRecord[] = [];
  let page = await store.listMessages(userId, conversationId, { limit: MESSAGE_PAGE });
  while (page) {
    out.push(...page.items);
    const last = page.items.at(-1);
    if (!page.hasMore || !last) return out;
    page = await store.listMessages(userId, conversationId, {
      limit: MESSAGE_PAGE,
      after: { createdAt: last.createdAt, id: last.id },
    });
  }
  return null;
}

export async function getConversationWithMessages(
  store: Store,
  userId: string,
  id: string,
): Promise<z.infer<typeof conversationWithMessages>> {
  const [conversation, messages] = await Promise.all([store.getConversation(userId, id), allMessages(store, userId, id)]);
  if (!conversation || !messages) throw notFound('Conversation');
  return { ...presentConversation(conversation), messages: messages.map(presentMessage) };
}

export async function renameConversation(store: Store, userId: string, id: string, newTitle: string, now: string) {
  const renamed = await store.renameConversation(userId, id, newTitle, now);
  if (!renamed) throw notFound('Conversation');
  return presentConversation(renamed);
}

export async function deleteConversation(store: Store, userId: string, id: string): Promise<void> {
  if (!(await store.deleteConversation(userId, id))) throw notFound('Conversation');
}
