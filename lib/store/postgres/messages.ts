/**
 * Messages in PostgreSQL. An append is one transaction: claim the Idempotency-Key (with the
 * response), bump (and so lock) the caller's conversation row, consume quota, insert.
 * Any refusal rolls everything back.
 * Listing is keyset-paginated along messages_conversation_created_idx (conversation_id, created_at, id).
 */
import { sql } from 'drizzle-orm';
import { messages } from '../../../db/schema.js';
import type { UsageLimits } from '../../config.js';
import { notFound } from '../../errors.js';
import { quotaExceeded } from '../../usage/quota-error.js';
import { assertStorable } from '../../validation/storable-json.js';
import type { IdempotencyInput, MessageKey, MessageRecord, PageRequest, PageResult, Written } from '../types.js';
import type { Db, Executor, Tx } from './executor.js';
import { claim } from './idempotency.js';
import { toMessage, type MessageRow } from './rows.js';
import { isUuid } from '../../validation/uuid.js';
import { consumeUsage } from './usage.js';

export interface AppendOptions {
  quota?: { limits: UsageLimits; now: string };
  idempotency?: IdempotencyInput;
}

/**
 * Bumps the caller's conversation for the new message. The UPDATE is also the owner check and
 * takes the row lock that serializes appends to this conversation; a later refusal (quota) rolls
 * it back with everything else.
 */
async function bumpConversation(tx: Tx, userId: string, message: MessageRecord): Promise<void> {
  const rows = await tx.execute(sql`
    update conversations
    set updated_at = ${message.createdAt}::timestamptz, message_count = message_count + 1
    where id = ${message.conversationId} and user_id = ${userId}
    returning 1 as found`);
  if (rows.length === 0) throw notFound('Conversation');
}

async function chargeQuota(tx: Tx, userId: string, quota: NonNullable<AppendOptions['quota']>): Promise<void> {
  const result = await consumeUsage(tx, userId, quota.limits, quota.now);
  if (!result.allowed) throw quotaExceeded(result, quota.now);
}

export async function appendMessage(
  db: Db,
  userId: string,
  message: MessageRecord,
  options: AppendOptions = {},
): Promise<Written<MessageRecord>> {
  assertStorable({ content: message.content, metadata: message.metadata });
  if (!isUuid(message.conversationId)) throw notFound('Conversation');
  const { idempotency, quota } = options;
  const value = toMessage(message);
  return db.transaction(async (tx) => {
    if (idempotency) {
      const claimed = await claim(tx, userId, idempotency, value);
      if (claimed.replay) return { value: claimed.value, replayed: true };
    }
    await bumpConversation(tx, userId, message);
    if (quota) await chargeQuota(tx, userId, quota);
    await tx.insert(messages).values({ ...message, userId });
    return { value, replayed: false };
  });
}

interface ListRow extends MessageRow {
  found: number;
}

/** One round trip: the owner check and the page come from the same statement. */
export async function listMessages(
  db: Executor,
  userId: string,
  conversationId: string,
  page: PageRequest<MessageKey>,
): Promise<PageResult<MessageRecord> | null> {
  if (!isUuid(conversationId)) return null;
  const after = page.after
    ? sql`and (m.created_at, m.id) > (${page.after.createdAt}::timestamptz, ${page.after.id}::uuid)`
    : sql``;
  const rows = await db.execute<ListRow & Record<string, unknown>>(sql`
    select 1 as found, m.id, m.conversation_id as "conversationId", m.role, m.content, m.metadata,
           m.created_at as "createdAt"
    from conversations c
    left join lateral (
      select m.id, m.conversation_id, m.role, m.content, m.metadata, m.created_at from messages m
      where m.conversation_id = c.id ${after}
      order by m.created_at, m.id
      limit ${page.limit + 1}
    ) m on true
    where c.id = ${conversationId} and c.user_id = ${userId}
    order by m.created_at, m.id`);
  if (rows.length === 0) return null;
  const present = rows.filter((r) => r.id !== null);
  return { items: present.slice(0, page.limit).map(toMessage), hasMore: present.length > page.limit };
}
