/**
 * Messages in PostgreSQL. A write is one transaction: claim the Idempotency-Key (with the
 * response), bump (and so lock) the caller's conversation row, consume quota, write.
 * Any refusal rolls everything back.
 * A message's API id is `coalesce(message_id, id::text)` (db/schema.ts), unique per conversation
 * (messages_conversation_message_id_key); `id` is the row's internal key.
 * Listing is keyset-paginated along messages_conversation_created_seq_idx (conversation_id, created_at, seq).
 */
import { randomUUID } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { messages } from '../../../db/schema.js';
import type { UsageLimits } from '../../config.js';
import { notFound } from '../../errors.js';
import { sameBody } from '../../messages/list-plan.js';
import { quotaExceeded } from '../../usage/quota-error.js';
import { assertStorable } from '../../validation/storable-json.js';
import { isCanonicalUuid, isUuid } from '../../validation/uuid.js';
import type {
  IdempotencyInput,
  ListedMessage,
  MessageKey,
  MessageRecord,
  PageRequest,
  PageResult,
  QuotaInput,
  Written,
} from '../types.js';
import type { Db, Executor, Tx } from './executor.js';
import { claim } from './idempotency.js';
import { toMessage, withoutSeq, type MessageRow } from './rows.js';
import { consumeUsage } from './usage.js';

export interface AppendOptions {
  quota?: QuotaInput;
  idempotency?: IdempotencyInput;
}

/** The API id of a messages row `m`. */
export const API_ID = sql.raw(`coalesce(m.message_id, m.id::text)`);

/** Selects a MessageRow from `messages m`. */
export const MESSAGE_COLUMNS = sql.raw(`coalesce(m.message_id, m.id::text) as id, m.conversation_id as "conversationId",
  m.role, m.content, m.parts, m.metadata, m.created_at as "createdAt",
  coalesce(m.updated_at, m.created_at) as "updatedAt", m.seq`);

/**
 * Bumps the caller's conversation by `delta` messages at `at`. The UPDATE is also the owner check
 * and takes the row lock that serializes writes to this conversation; a later refusal (quota)
 * rolls it back with everything else. False when it is not the caller's.
 */
export async function bumpConversation(
  tx: Tx,
  userId: string,
  conversationId: string,
  at: string,
  delta: number,
): Promise<boolean> {
  const rows = await tx.execute(sql`
    update conversations
    set updated_at = ${at}::timestamptz, message_count = message_count + ${delta}::int
    where id = ${conversationId} and user_id = ${userId}
    returning 1 as found`);
  return rows.length > 0;
}

export async function chargeQuota(
  tx: Tx,
  userId: string,
  quota: { limits: UsageLimits; now: string },
  units = 1,
): Promise<void> {
  const result = await consumeUsage(tx, userId, quota.limits, quota.now, units);
  if (!result.allowed) throw quotaExceeded(result, quota.now);
}

/**
 * Inserts a new message row; the API id goes in message_id. The row's own uuid is the API id when
 * that is a canonical UUID (server-made ids: the row then reads the same to 0000-era code and the
 * data tools), else — or when another conversation's row already has it — a fresh one.
 * updated_at stays null until the message is replaced (it reads as created_at).
 */
export async function insertMessage(tx: Tx, userId: string, message: MessageRecord): Promise<void> {
  const row = {
    messageId: message.id,
    conversationId: message.conversationId,
    userId,
    role: message.role,
    content: message.content,
    parts: message.parts,
    metadata: message.metadata,
    createdAt: message.createdAt,
    updatedAt: message.updatedAt === message.createdAt ? null : message.updatedAt,
  };
  if (isCanonicalUuid(message.id)) {
    const inserted = await tx
      .insert(messages)
      .values({ ...row, id: message.id })
      .onConflictDoNothing({ target: messages.id })
      .returning({ id: messages.id });
    if (inserted.length > 0) return;
  }
  await tx.insert(messages).values({ ...row, id: randomUUID() });
}

function assertMessageStorable(message: MessageRecord): void {
  assertStorable({ content: message.content, parts: message.parts, metadata: message.metadata, id: message.id });
}

export async function appendMessage(
  db: Db,
  userId: string,
  message: MessageRecord,
  options: AppendOptions = {},
): Promise<Written<MessageRecord>> {
  assertMessageStorable(message);
  if (!isUuid(message.conversationId)) throw notFound('Conversation');
  const { idempotency, quota } = options;
  const value = withoutSeq(toMessage({ ...message, seq: 0 }));
  return db.transaction(async (tx) => {
    if (idempotency) {
      const claimed = await claim(tx, userId, idempotency, value);
      if (claimed.replay) return { value: claimed.value, replayed: true };
    }
    if (!(await bumpConversation(tx, userId, message.conversationId, message.createdAt, 1)))
      throw notFound('Conversation');
    if (quota) await chargeQuota(tx, userId, quota);
    await insertMessage(tx, userId, message);
    return { value, replayed: false };
  });
}

/** The stored message of this API id in the (already owner-checked) conversation, locked for update. */
async function lockedMessage(tx: Tx, conversationId: string, messageId: string): Promise<ListedMessage | null> {
  const [row] = await tx.execute<MessageRow & Record<string, unknown>>(sql`
    select ${MESSAGE_COLUMNS} from messages m
    where m.conversation_id = ${conversationId} and ${API_ID} = ${messageId}
    for update`);
  return row ? toMessage(row) : null;
}

/** Replaces a stored message's body in place (createdAt and seq kept). */
export async function updateMessageBody(tx: Tx, stored: MessageRecord, body: MessageRecord, at: string): Promise<void> {
  await tx.execute(sql`
    update messages m set role = ${body.role}, content = ${body.content},
      parts = ${body.parts === null ? null : JSON.stringify(body.parts)}::json,
      metadata = ${JSON.stringify(body.metadata)}::jsonb, updated_at = ${at}::timestamptz
    where m.conversation_id = ${stored.conversationId} and ${API_ID} = ${stored.id}`);
}

export async function putMessage(
  db: Db,
  userId: string,
  message: MessageRecord,
  options: { quota?: QuotaInput } = {},
): Promise<{ value: MessageRecord; created: boolean }> {
  assertMessageStorable(message);
  if (!isUuid(message.conversationId)) throw notFound('Conversation');
  const at = message.updatedAt;
  return db.transaction(async (tx) => {
    if (!(await lockConversation(tx, userId, message.conversationId))) throw notFound('Conversation');
    const stored = await lockedMessage(tx, message.conversationId, message.id);
    if (stored === null) {
      await bumpConversation(tx, userId, message.conversationId, at, 1);
      if (options.quota) await chargeQuota(tx, userId, options.quota);
      const created = { ...message, createdAt: at };
      await insertMessage(tx, userId, created);
      return { value: created, created: true };
    }
    const current = withoutSeq(stored);
    if (sameBody(current, message)) return { value: current, created: false };
    await updateMessageBody(tx, current, message, at);
    await bumpConversation(tx, userId, message.conversationId, at, 0);
    return { value: { ...message, createdAt: current.createdAt }, created: false };
  });
}

/** Locks the caller's conversation row (the lock every writer of its messages takes); false when not theirs. */
export async function lockConversation(tx: Tx, userId: string, conversationId: string): Promise<boolean> {
  const rows = await tx.execute(sql`
    select 1 as found from conversations where id = ${conversationId} and user_id = ${userId} for update`);
  return rows.length > 0;
}

/** Deletes the rows selected by `where` (over `messages m`) in the caller's conversation; null when it is not theirs. */
async function deleteWhere(
  db: Db,
  userId: string,
  conversationId: string,
  at: string,
  where: SQL,
): Promise<number | null> {
  return db.transaction(async (tx) => {
    if (!(await lockConversation(tx, userId, conversationId))) return null;
    const deleted = await tx.execute(
      sql`delete from messages m where m.conversation_id = ${conversationId} and ${where} returning 1`,
    );
    if (deleted.length > 0) await bumpConversation(tx, userId, conversationId, at, -deleted.length);
    return deleted.length;
  });
}

export async function deleteMessage(
  db: Db,
  userId: string,
  conversationId: string,
  messageId: string,
  at: string,
): Promise<boolean> {
  if (!isUuid(conversationId)) return false;
  const deleted = await deleteWhere(db, userId, conversationId, at, sql`${API_ID} = ${messageId}`);
  return deleted !== null && deleted > 0;
}

export async function deleteMessagesAfter(
  db: Db,
  userId: string,
  conversationId: string,
  messageId: string,
  at: string,
): Promise<boolean> {
  if (!isUuid(conversationId)) return false;
  const [anchor] = await db.execute<{ createdAt: string; seq: string } & Record<string, unknown>>(sql`
    select m.created_at::text as "createdAt", m.seq::text as seq from messages m join conversations c on c.id = m.conversation_id
    where c.id = ${conversationId} and c.user_id = ${userId} and ${API_ID} = ${messageId}`);
  if (!anchor) return false;
  const after = sql`(m.created_at, m.seq) > (${anchor.createdAt}::timestamptz, ${anchor.seq}::bigint)`;
  return (await deleteWhere(db, userId, conversationId, at, after)) !== null;
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
): Promise<PageResult<ListedMessage> | null> {
  if (!isUuid(conversationId)) return null;
  const after = page.after
    ? sql`and (m.created_at, m.seq) > (${page.after.createdAt}::timestamptz, ${page.after.seq}::bigint)`
    : sql``;
  const rows = await db.execute<ListRow & Record<string, unknown>>(sql`
    select 1 as found, l.* from conversations c
    left join lateral (
      select ${MESSAGE_COLUMNS} from messages m
      where m.conversation_id = c.id ${after}
      order by m.created_at, m.seq
      limit ${page.limit + 1}
    ) l on true
    where c.id = ${conversationId} and c.user_id = ${userId}
    order by l."createdAt", l.seq`);
  if (rows.length === 0) return null;
  const present = rows.filter((r) => r.id !== null);
  return { items: present.slice(0, page.limit).map(toMessage), hasMore: present.length > page.limit };
}
