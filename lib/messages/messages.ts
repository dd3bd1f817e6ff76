/**
 * Messages: append, create-or-replace one by id, delete one or every one after an id, replace
 * the whole list (PUT …/messages, lib/messages/list-plan.ts), list oldest first. New `role:
 * "user"` messages count against the usage quota in the same atomic store call; replacing a
 * message counts nothing. Writes may run under an Idempotency-Key.
 */
import { config } from '../config.js';
import { notFound } from '../errors.js';
import { newId } from '../conversations/ids.js';
import { pageRequest, toPage, type ListRef, type PageQuery } from '../pagination/cursor.js';
import type { IdempotencyInput, MessageRecord, Store, Written } from '../store/types.js';
import {
  toMessageBody,
  type AppendMessageBody,
  type PutMessageBody,
  type ReplaceMessagesBody,
} from './message-body.js';
import { presentMessage, type PublicMessage } from './present.js';

export { appendMessageBody, putMessageBody, replaceMessagesBody, type AppendMessageBody } from './message-body.js';
export { CONTENT_MAX, METADATA_MAX_BYTES } from './message-body.js';
export { roleSchema } from './present.js';

const quotaFor = (role: string, now: string) => (role === 'user' ? { limits: config().usageLimits, now } : undefined);

export async function appendMessage(
  store: Store,
  userId: string,
  conversationId: string,
  body: AppendMessageBody,
  now: string,
  idempotency?: IdempotencyInput,
): Promise<Written<PublicMessage>> {
  const message: MessageRecord = {
    ...toMessageBody(body.id ?? newId(), body),
    conversationId,
    createdAt: now,
    updatedAt: now,
  };
  const written = await store.appendMessage(userId, message, { quota: quotaFor(body.role, now), idempotency });
  return { value: presentMessage(written.value), replayed: written.replayed };
}

/** PUT …/messages/{messageId}: `created` tells 201 from 200. */
export async function putMessage(
  store: Store,
  userId: string,
  conversationId: string,
  messageId: string,
  body: PutMessageBody,
  now: string,
): Promise<{ value: PublicMessage; created: boolean }> {
  const message: MessageRecord = { ...toMessageBody(messageId, body), conversationId, createdAt: now, updatedAt: now };
  const { value, created } = await store.putMessage(userId, message, { quota: quotaFor(body.role, now) });
  return { value: presentMessage(value), created };
}

export async function deleteMessage(
  store: Store,
  userId: string,
  conversationId: string,
  messageId: string,
  now: string,
) {
  if (!(await store.deleteMessage(userId, conversationId, messageId, now))) throw notFound('Message');
}

export async function deleteMessagesAfter(
  store: Store,
  userId: string,
  conversationId: string,
  messageId: string,
  now: string,
) {
  if (!(await store.deleteMessagesAfter(userId, conversationId, messageId, now))) throw notFound('Message');
}

export async function replaceMessages(
  store: Store,
  userId: string,
  conversationId: string,
  body: ReplaceMessagesBody,
  now: string,
  idempotency?: IdempotencyInput,
): Promise<Written<{ items: PublicMessage[] }>> {
  const list = body.messages.map((m) => toMessageBody(m.id, m));
  const written = await store.replaceMessages(userId, conversationId, list, {
    now,
    quota: { limits: config().usageLimits },
    idempotency,
  });
  return { value: { items: written.value.map(presentMessage) }, replayed: written.replayed };
}

export async function listMessages(store: Store, userId: string, conversationId: string, query: PageQuery) {
  // A cursor is bound to its conversation: one from another conversation is a 400.
  const list: ListRef<'messages'> = { kind: 'messages', scope: conversationId };
  const page = await store.listMessages(userId, conversationId, pageRequest(list, query));
  if (!page) throw notFound('Conversation');
  return toPage(list, page, (m) => ({ createdAt: m.createdAt, seq: m.seq }), presentMessage);
}
