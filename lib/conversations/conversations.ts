/**
 * Conversations: create (optionally under an Idempotency-Key), list newest first, read with
 * messages, rename or archive, delete. Another user's conversation is indistinguishable from a missing one.
 */
import { z } from 'zod';
import { notFound } from '../errors.js';
import { presentMessage, publicMessage } from '../messages/present.js';
import { pageQuery, pageRequest, toPage, type ListRef } from '../pagination/cursor.js';
import type {
  ConversationChanges,
  ConversationRecord,
  IdempotencyInput,
  ListedMessage,
  Store,
  Written,
} from '../store/types.js';
import { isoTimestamp, uuid } from '../validation/resource-fields.js';
import { storable } from '../validation/storable-schema.js';
import { newId } from './ids.js';

export const DEFAULT_TITLE = 'New conversation';

const title = storable(z.string().trim().min(1).max(200));
export const createConversationBody = z.object({ title: title.optional() });
/** PATCH: a new title and/or the archived flag, at least one. */
export const updateConversationBody = z
  .object({ title: title.optional(), archived: z.boolean().optional() })
  .refine((b) => b.title !== undefined || b.archived !== undefined, {
    message: 'send title and/or archived',
    path: ['title'],
  });
/** GET …/conversations: `?archived=true` lists only archived conversations, otherwise only the others. */
export const listConversationsQuery = pageQuery.extend({
  archived: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});
export type CreateConversationBody = z.infer<typeof createConversationBody>;

export const publicConversation = z.object({
  id: uuid,
  title: z.string(),
  archived: z.boolean(),
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
    archived: record.archived,
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

/** One conversation list per user and `archived` value: a cursor from one is refused by the other. */
const conversationList = (archived: boolean): ListRef<'conversations'> => ({
  kind: 'conversations',
  scope: archived ? 'archived' : 'all',
});

export async function listConversations(store: Store, userId: string, query: z.infer<typeof listConversationsQuery>) {
  const list = conversationList(query.archived);
  const page = await store.listConversations(userId, pageRequest(list, query), { archived: query.archived });
  return toPage(list, page, (c) => ({ updatedAt: c.updatedAt, id: c.id }), presentConversation);
}

const MESSAGE_PAGE = 100;

/** All messages of a conversation, oldest first, fetched a page at a time; null when not found. */
async function allMessages(store: Store, userId: string, conversationId: string): Promise<ListedMessage[] | null> {
  const out: ListedMessage[] = [];
  let page = await store.listMessages(userId, conversationId, { limit: MESSAGE_PAGE });
  while (page) {
    out.push(...page.items);
    const last = page.items.at(-1);
    if (!page.hasMore || !last) return out;
    page = await store.listMessages(userId, conversationId, {
      limit: MESSAGE_PAGE,
      after: { createdAt: last.createdAt, seq: last.seq },
    });
  }
  return null;
}

export async function getConversationWithMessages(
  store: Store,
  userId: string,
  id: string,
): Promise<z.infer<typeof conversationWithMessages>> {
  const [conversation, messages] = await Promise.all([
    store.getConversation(userId, id),
    allMessages(store, userId, id),
  ]);
  if (!conversation || !messages) throw notFound('Conversation');
  return { ...presentConversation(conversation), messages: messages.map(presentMessage) };
}

export async function updateConversation(
  store: Store,
  userId: string,
  id: string,
  changes: ConversationChanges,
  now: string,
) {
  const updated = await store.updateConversation(userId, id, changes, now);
  if (!updated) throw notFound('Conversation');
  return presentConversation(updated);
}

export async function deleteConversation(store: Store, userId: string, id: string): Promise<void> {
  if (!(await store.deleteConversation(userId, id))) throw notFound('Conversation');
}
