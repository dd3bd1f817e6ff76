/**
 * Conversations in PostgreSQL. Lists are keyset-paginated in index order
 * (conversations_user_updated_idx: user_id, updated_at desc, id desc) with a row comparison, so a
 * page costs the same at any depth and never repeats or skips rows inserted between requests.
 */
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
import { rows, transaction, type Db, type Executor } from './executor.js';
import { claim } from './idempotency.js';
import { toConversation } from './rows.js';
import { isUuid } from '../../validation/uuid.js';

const COLUMNS = `id, user_id as "userId", title, created_at as "createdAt",
  updated_at as "updatedAt", message_count as "messageCount", archived`;

const INSERT_CONVERSATION = `insert into conversations (id, user_id, title, created_at, updated_at, message_count, archived)
  values ($1, $2, $3, $4::timestamptz, $5::timestamptz, $6, $7)`;

/** $1 id, $2 user id. */
export const GET_CONVERSATION = `select ${COLUMNS} from conversations where id = $1 and user_id = $2 limit 1`;

const LIST = (after: string) => `
    select ${COLUMNS} from conversations
    where user_id = $1 and archived = $2 ${after}
    order by updated_at desc, id desc
    limit $3`;
/** The first page: $1 user id, $2 archived, $3 limit + 1. */
export const LIST_CONVERSATIONS = LIST('');
/** A later page: also $4 updatedAt, $5 id of the last row seen. */
const LIST_CONVERSATIONS_AFTER = LIST('and (updated_at, id) < ($4::timestamptz, $5::uuid)');

/** Undefined changes keep the stored value. */
const UPDATE_CONVERSATION = `update conversations
  set title = coalesce($3, title), archived = coalesce($4::boolean, archived), updated_at = $5::timestamptz
  where id = $1 and user_id = $2
  returning ${COLUMNS}`;

/**
 * One statement, so atomic: the messages go with it through ON DELETE CASCADE, and so do the
 * idempotency records of writes to it (a message's response names its conversationId; the
 * create's response is the conversation itself), so a retried key cannot replay a deleted message.
 */
const DELETE_CONVERSATION = `
    with gone as (
      delete from conversations where id = $1::uuid and user_id = $2::uuid returning id::text as id
    ), records as (
      delete from idempotency_keys k using gone
      where k.user_id = $2::uuid
        and (k.response->>'conversationId' = gone.id
             or (k.response->>'conversationId' is null and k.response->>'id' = gone.id))
    )
    select id from gone`;

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
  return transaction(db, async (tx) => {
    if (idempotency) {
      const claimed = await claim(tx, conversation.userId, idempotency, value);
      if (claimed.replay) return { value: claimed.value, replayed: true };
    }
    const r = record;
    await rows(tx, INSERT_CONVERSATION, [
      r.id,
      r.userId,
      r.title,
      r.createdAt,
      r.updatedAt,
      r.messageCount,
      r.archived,
    ]);
    return { value, replayed: false };
  });
}

export async function getConversation(db: Executor, userId: string, id: string): Promise<ConversationRecord | null> {
  if (!isUuid(id)) return null;
  const [row] = await rows<ConversationRecord>(db, GET_CONVERSATION, [id, userId]);
  return row ? toConversation(row) : null;
}

export async function listConversations(
  db: Executor,
  userId: string,
  page: PageRequest<ConversationKey>,
  filter: { archived: boolean } = { archived: false },
): Promise<PageResult<ConversationRecord>> {
  const first = [userId, filter.archived, page.limit + 1];
  const found = page.after
    ? await rows<ConversationRecord>(db, LIST_CONVERSATIONS_AFTER, [...first, page.after.updatedAt, page.after.id])
    : await rows<ConversationRecord>(db, LIST_CONVERSATIONS, first);
  const items = found.slice(0, page.limit).map(toConversation);
  return { items, hasMore: found.length > page.limit };
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
  const params = [id, userId, changes.title ?? null, changes.archived ?? null, at];
  const [row] = await rows<ConversationRecord>(db, UPDATE_CONVERSATION, params);
  return row ? toConversation(row) : null;
}

export async function deleteConversation(db: Executor, userId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  return (await rows(db, DELETE_CONVERSATION, [id, userId])).length > 0;
}
