/**
 * `replaceMessages` in PostgreSQL (PUT …/messages, the whole list): one transaction that locks
 * the conversation, replays a live earlier Idempotency-Key record before planning anything (as the
 * JSON store does), reads its messages, plans the change with lib/messages/list-plan.ts, claims
 * the Idempotency-Key with the resulting list, charges quota for the new `user` messages (all or
 * nothing), then deletes, replaces and inserts. An unchanged list writes nothing.
 */
import { notFound } from '../../errors.js';
import { creationTime, finalList, planList, quotaUnits } from '../../messages/list-plan.js';
import { assertStorable } from '../../validation/storable-json.js';
import type { IdempotencyInput, MessageBody, MessageRecord, QuotaInput, Written } from '../types.js';
import { rows, transaction, type Db, type Tx } from './executor.js';
import { claim, earlierReplay } from './idempotency.js';
import {
  API_ID,
  MESSAGE_COLUMNS,
  bumpConversation,
  chargeQuota,
  insertMessage,
  lockConversation,
  updateMessageBody,
} from './messages.js';
import { toMessage, withoutSeq, type MessageRow } from './rows.js';
import { isUuid } from '../../validation/uuid.js';

const STORED_LIST = `select ${MESSAGE_COLUMNS} from messages m where m.conversation_id = $1
    order by m.created_at, m.seq`;
/** $1 the conversation, $2 the API ids (text[]) to delete. */
const DELETE_IDS = `delete from messages m where m.conversation_id = $1 and ${API_ID} = any($2::text[])`;

async function storedList(tx: Tx, conversationId: string): Promise<MessageRecord[]> {
  const found = await rows<MessageRow>(tx, STORED_LIST, [conversationId]);
  return found.map((r) => withoutSeq(toMessage(r)));
}

export async function replaceMessages(
  db: Db,
  userId: string,
  conversationId: string,
  incoming: MessageBody[],
  options: { now: string; quota?: Omit<QuotaInput, 'now'>; idempotency?: IdempotencyInput },
): Promise<Written<MessageRecord[]>> {
  incoming.forEach((m, i) => assertStorable({ [`messages.${i}`]: { ...m } }));
  if (!isUuid(conversationId)) throw notFound('Conversation');
  const { now, quota, idempotency } = options;
  return transaction(db, async (tx) => {
    if (!(await lockConversation(tx, userId, conversationId))) throw notFound('Conversation');
    // The key first, as the JSON store does: a retry replays even if the list no longer fits (409).
    const earlier = idempotency && (await earlierReplay<MessageRecord[]>(tx, userId, idempotency));
    if (earlier) return { value: earlier.value, replayed: true };
    const stored = await storedList(tx, conversationId);
    const plan = planList(stored, incoming);
    const createdAt = creationTime(stored, now);
    const value = finalList(conversationId, stored, plan, now, createdAt);
    if (idempotency) {
      const claimed = await claim(tx, userId, idempotency, value);
      if (claimed.replay) return { value: claimed.value, replayed: true };
    }
    if (plan.unchanged) return { value, replayed: false };
    const units = quotaUnits(plan.create);
    if (quota && units > 0) await chargeQuota(tx, userId, { limits: quota.limits, now }, units);
    if (plan.remove.length > 0) await rows(tx, DELETE_IDS, [conversationId, plan.remove.map((m) => m.id)]);
    for (const { stored: current, body } of plan.replace) {
      await updateMessageBody(tx, current, { ...current, ...body }, now);
    }
    for (const body of plan.create) {
      await insertMessage(tx, userId, { ...body, conversationId, createdAt, updatedAt: createdAt });
    }
    await bumpConversation(tx, userId, conversationId, now, plan.create.length - plan.remove.length);
    return { value, replayed: false };
  });
}
