/**
 * Conversations in PostgreSQL. Lists are keyset-paginated in index order
 * (conversations_user_updated_idx: user_id, updated_at desc, id desc) with a row comparison, so a
 * page costs the same at any depth and never repeats or skips rows inserted between requests.
 */
import { and, eq, sql } from 'drizzle-orm';
import { conversations } from '../../../db/schema.js';
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
import type { Db, Executor } from './executor.js';
import { claim } from './idempotency.js';
import { toConversation } from './rows.js';
import { isUuid } from '../../validation/uuid.js';

const COLUMNS = sql.raw(`id, user_id as "userId", title, created_at as "createdAt",
  updated_at as "updatedAt", message_count as "messageCount", archived`);

export async function createConversation(
  db: Db,
  conversation: NewConversation,
  idempotency?: IdempotencyInput,
): Promise<Written<ConversationRecord>> {
  assertStorable({ title: conversation.title });
  const record: ConversationRecord = {
    ...conversation,
    updatedAt: conversation.createdAt,
    messageCount: 0,
    archived: false,
  };
  const value = toConversation(record);
  return db.transaction(async (tx) => {
    if (idempotency) {
      const claimed = await claim(tx, conversation.userId, idempotency, value);
      if (claimed.replay) return { value: claimed.value, replayed: true };
    }
    await tx.insert(conversations).values(record);
    return { value, replayed: false };
  });
}

export async function getConversation(db: Executor, userId: string, id: string): Promise<ConversationRecord | null> {
  if (!isUuid(id)) return null;
  const [row] = await db
    .select()
    .from(conversations)
    .where(and(eq(conversations.id, id), eq(conversations.userId, userId)))
    .limit(1);
  return row ? toConversation(row) : null;
}

export async function listConversations(
  db: Executor,
  userId: string,
  page: PageRequest<ConversationKey>,
  filter: { archived: boolean } = { archived: false },
): Promise<PageResult<ConversationRecord>> {
  const after = page.after
    ? sql`and (updated_at, id) < (${page.after.updatedAt}::timestamptz, ${page.after.id}::uuid)`
    : sql``;
  const rows = await db.execute<ConversationRecord & Record<string, unknown>>(sql`
    select ${COLUMNS} from conversations
    where user_id = ${userId} and archived = ${filter.archived} ${after}
    order by updated_at desc, id desc
    limit ${page.limit + 1}`);
  const items = rows.slice(0, page.limit).map(toConversation);
  return { items, hasMore: rows.length > page.limit };
}

export async function updateConversation(
  db: Executor,
  userId: string,
  id: string,
  changes: ConversationChanges,
  at: string,
): Promise<ConversationRecord | null> {
  assertStorable({ title: changes.title });
  if (!isUuid(id)) return null;
  const [row] = await db
    .update(conversations)
    .set({ title: changes.title, archived: changes.archived, updatedAt: at })
    .where(and(eq(conversations.id, id), eq(conversations.userId, userId)))
    .returning();
  return row ? toConversation(row) : null;
}

/**
 * One statement, so atomic: the messages go with it through ON DELETE CASCADE, and so do the
 * idempotency records of writes to it (a message's response names its conversationId; the
 * create's response is the conversation itself), so a retried key cannot replay a deleted message.
 */
export async function deleteConversation(db: Executor, userId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const rows = await db.execute<{ id: string }>(sql`
    with gone as (
      delete from conversations where id = ${id}::uuid and user_id = ${userId}::uuid returning id::text as id
    ), records as (
      delete from idempotency_keys k using gone
      where k.user_id = ${userId}::uuid
        and (k.response->>'conversationId' = gone.id
             or (k.response->>'conversationId' is null and k.response->>'id' = gone.id))
    )
    select id from gone`);
  return rows.length > 0;
}
