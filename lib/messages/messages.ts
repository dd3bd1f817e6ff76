/**
 * Messages: append (counting `role: "user"` messages against the usage quota in the same atomic
 * store call, optionally under an Idempotency-Key) and list oldest first.
 */
import { z } from 'zod';
import { config } from '../config.js';
import { notFound } from '../errors.js';
import { newId } from '../conversations/ids.js';
import { pageRequest, toPage, type ListRef, type PageQuery } from '../pagination/cursor.js';
import type { IdempotencyInput, Store, Written } from '../store/types.js';
import { storable, storableJsonObject } from '../validation/storable-schema.js';
import { presentMessage, roleSchema, type PublicMessage } from './present.js';

export const CONTENT_MAX = 100_000;
export const METADATA_MAX_BYTES = 64 * 1024;

export { roleSchema };

export const appendMessageBody = z.object({
  role: roleSchema,
  content: storable(z.string().min(1).max(CONTENT_MAX)),
  metadata: storableJsonObject(METADATA_MAX_BYTES).default({}),
});
export type AppendMessageBody = z.infer<typeof appendMessageBody>;

export async function appendMessage(
  store: Store,
  userId: string,
  conversationId: string,
  body: AppendMessageBody,
  now: string,
  idempotency?: IdempotencyInput,
): Promise<Written<PublicMessage>> {
  const quota = body.role === 'user' ? { limits: config().usageLimits, now } : undefined;
  const written = await store.appendMessage(
    userId,
    { id: newId(), conversationId, role: body.role, content: body.content, metadata: body.metadata, createdAt: now },
    { quota, idempotency },
  );
  return { value: presentMessage(written.value), replayed: written.replayed };
}

export async function listMessages(store: Store, userId: string, conversationId: string, query: PageQuery) {
  // A cursor is bound to its conversation: one from another conversation is a 400.
  const list: ListRef<'messages'> = { kind: 'messages', scope: conversationId };
  const page = await store.listMessages(userId, conversationId, pageRequest(list, query));
  if (!page) throw notFound('Conversation');
  return toPage(list, page, (m) => ({ createdAt: m.createdAt, id: m.id }), presentMessage);
}
