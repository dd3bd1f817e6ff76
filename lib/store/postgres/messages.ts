/**
 * Messages in PostgreSQL. A write is one transaction: claim the Idempotency-Key (with the
 * response), bump (and so lock) the caller's conversation row, consume quota, write.
 * Any refusal rolls everything back.
 * A message's API id is `coalesce(message_id, id::text)` (db/schema.ts), unique per conversation
 * (messages_conversation_message_id_key); `id` is the row's internal key.
 * Listing is keyset-paginated along messages_conversation_created_seq_idx (conversation_id, created_at, seq).
 */
import { randomUUID } from 'node:crypto';
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
import { rows, transaction, type Db, type Executor, type Param, type Tx } from './executor.js';
import { claim } from './idempotency.js';
import { toMessage, withoutSeq, type MessageRow } from './rows.js';
import { consumeUsage } from './usage.js';

export interface AppendOptions {
  quota?: QuotaInput;
  idempotency?: IdempotencyInput;
}

/** The API id of a messages row `m`. */
export const API_ID = `coalesce(m.message_id, m.id::text)`;

/** Selects a MessageRow from `messages m`. */
export const MESSAGE_COLUMNS = `coalesce(m.message_id, m.id::text) as id, m.conversation_id as "conversationId",
  m.role, m.content, m.parts, m.metadata, m.created_at as "createdAt",
  coalesce(m.updated_at, m.created_at) as "updatedAt", m.seq`;

/** $1 at, $2 delta, $3 conversation id, $4 user id. */
export const BUMP_CONVERSATION = `
    update conversations
    set updated_at = $1::timestamptz, message_count = message_count + $2::int
    where id = $3 and user_id = $4
    returning 1 as found`;

const INSERT = `insert into messages (id, message_id, conversation_id, user_id, role, content, metadata, parts, created_at, updated_at)
  values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::json, $9::timestamptz, $10::timestamptz)`;
/**
 * A new message row: $1 row id, $2 message (API) id, $3 conversation id, $4 user id, $5 role,
 * $6 content, $7 metadata json, $8 parts json or null, $9 created at, $10 updated at or null.
 * Nothing (no row) when the row id is taken.
 */
export const INSERT_MESSAGE = `${INSERT} on conflict (id) do nothing returning id`;

const LOCKED_MESSAGE = `select ${MESSAGE_COLUMNS} from messages m
    where m.conversation_id = $1 and ${API_ID} = $2
    for update`;

const UPDATE_MESSAGE_BODY = `
    update messages m set role = $3, content = $4, parts = $5::json, metadata = $6::jsonb, updated_at = $7::timestamptz
    where m.conversation_id = $1 and ${API_ID} = $2`;

const LOCK_CONVERSATION = 'select 1 as found from conversations where id = $1 and user_id = $2 for update';

/** Every message of $1 (the conversation) whose API id is $2. */
const DELETE_MESSAGE = `delete from messages m where m.conversation_id = $1 and ${API_ID} = $2 returning 1`;
/** Every message of $1 after ($2 created at, $3 seq). */
const DELETE_AFTER = `delete from messages m where m.conversation_id = $1
    and (m.created_at, m.seq) > ($2::timestamptz, $3::bigint) returning 1`;
const ANCHOR = `select m.created_at::text as "createdAt", m.seq::text as seq
    from messages m join conversations c on c.id = m.conversation_id
    where c.id = $1 and c.user_id = $2 and ${API_ID} = $3`;

const LIST = (after: string) => `
    select 1 as found, l.* from conversations c
    left join lateral (
      select ${MESSAGE_COLUMNS} from messages m
      where m.conversation_id = c.id ${after}
      order by m.created_at, m.seq
      limit $3
    ) l on true
    where c.id = $1 and c.user_id = $2
    order by l."createdAt", l.seq`;
/** The first page: $1 conversation id, $2 user id, $3 limit + 1. */
export const LIST_MESSAGES = LIST('');
/** A later page: also $4 createdAt, $5 seq of the last message seen. */
const LIST_MESSAGES_AFTER = LIST('and (m.created_at, m.seq) > ($4::timestamptz, $5::bigint)');

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
  return (await rows(tx, BUMP_CONVERSATION, [at, delta, conversationId, userId])).length > 0;
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
  const row: Param[] = [
    message.id,
    message.conversationId,
    userId,
    message.role,
    message.content,
    JSON.stringify(message.metadata),
    message.parts === null ? null : JSON.stringify(message.parts),
    message.createdAt,
    message.updatedAt === message.createdAt ? null : message.updatedAt,
  ];
  if (isCanonicalUuid(message.id)) {
    if ((await rows(tx, INSERT_MESSAGE, [message.id, ...row])).length > 0) return;
  }
  await rows(tx, INSERT, [randomUUID(), ...row]);
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
  return transaction(db, async (tx) => {
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
  const [row] = await rows<MessageRow>(tx, LOCKED_MESSAGE, [conversationId, messageId]);
  return row ? toMessage(row) : null;
}

/** Replaces a stored message's body in place (createdAt and seq kept). */
export async function updateMessageBody(tx: Tx, stored: MessageRecord, body: MessageRecord, at: string): Promise<void> {
  const parts = body.parts === null ? null : JSON.stringify(body.parts);
  const params = [stored.conversationId, stored.id, body.role, body.content, parts, JSON.stringify(body.metadata), at];
  await rows(tx, UPDATE_MESSAGE_BODY, params);
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
  return transaction(db, async (tx) => {
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
  return (await rows(tx, LOCK_CONVERSATION, [conversationId, userId])).length > 0;
}

/**
 * Runs `statement` (DELETE_MESSAGE or DELETE_AFTER: $1 the conversation, then `params`) in the
 * caller's conversation; the number of messages deleted, null when it is not theirs.
 */
async function deleteWhere(
  db: Db,
  userId: string,
  conversationId: string,
  at: string,
  statement: string,
  params: Param[],
): Promise<number | null> {
  return transaction(db, async (tx) => {
    if (!(await lockConversation(tx, userId, conversationId))) return null;
    const deleted = await rows(tx, statement, [conversationId, ...params]);
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
  const deleted = await deleteWhere(db, userId, conversationId, at, DELETE_MESSAGE, [messageId]);
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
  const [anchor] = await rows<{ createdAt: string; seq: string }>(db, ANCHOR, [conversationId, userId, messageId]);
  if (!anchor) return false;
  const after = [anchor.createdAt, anchor.seq];
  return (await deleteWhere(db, userId, conversationId, at, DELETE_AFTER, after)) !== null;
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
  const first = [conversationId, userId, page.limit + 1];
  const found = page.after
    ? await rows<ListRow>(db, LIST_MESSAGES_AFTER, [...first, page.after.createdAt, page.after.seq])
    : await rows<ListRow>(db, LIST_MESSAGES, first);
  if (found.length === 0) return null;
  const present = found.filter((r) => r.id !== null);
  return { items: present.slice(0, page.limit).map(toMessage), hasMore: present.length > page.limit };
}
