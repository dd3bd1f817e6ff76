/**
 * Idempotency-Key records, used inside the write's own transaction: `claim` the key with the
 * response the write will return (our writes' responses are known before they run), then write.
 * If the write fails, the rollback removes the claim too. A concurrent request with the same key
 * blocks on the claimed row until the first commits (then replays it) or rolls back (then claims
 * it itself).
 */
import { sql } from 'drizzle-orm';
import { conflict } from '../../errors.js';
import { IDEMPOTENCY_TTL_MS } from '../../idempotency/ttl.js';
import type { IdempotencyInput } from '../types.js';
import type { Tx } from './executor.js';

const TTL = sql`${`${IDEMPOTENCY_TTL_MS} milliseconds`}::interval`;

interface ExistingRow {
  requestHash: string;
  response: unknown;
  live: boolean;
}

export type Claim<T> = { replay: true; value: T } | { replay: false };

/** The stored record of `key`, locked, with whether it is still live. */
async function lockedRecord(tx: Tx, userId: string, input: IdempotencyInput): Promise<ExistingRow | undefined> {
  const [existing] = await tx.execute<ExistingRow & Record<string, unknown>>(sql`
    select request_hash as "requestHash", response,
           created_at > ${input.now}::timestamptz - ${TTL} as live
    from idempotency_keys where user_id = ${userId} and key = ${input.key}
    for update`);
  return existing;
}

/** A live record's response to replay; a 409 when it was of a different request. */
function replayed<T>(existing: ExistingRow, input: IdempotencyInput): { replay: true; value: T } {
  if (existing.requestHash !== input.requestHash) {
    throw conflict('Idempotency-Key', 'This Idempotency-Key was used with a different request.');
  }
  return { replay: true, value: existing.response as T };
}

/**
 * Looks `key` up before the write plans anything, for a write whose planning can fail on state a
 * retry no longer matches (the whole-list PUT): a live record replays (or is a 409 if of a
 * different request); none, or an expired one, gives null and the write goes on to `claim`.
 */
export async function earlierReplay<T>(
  tx: Tx,
  userId: string,
  input: IdempotencyInput,
): Promise<{ replay: true; value: T } | null> {
  const existing = await lockedRecord(tx, userId, input);
  return existing?.live ? replayed<T>(existing, input) : null;
}

/** Claims `key` for this request and its `response`; a live earlier record with the same request hash is replayed. */
export async function claim<T>(tx: Tx, userId: string, input: IdempotencyInput, response: T): Promise<Claim<T>> {
  const stored = JSON.stringify(response);
  const inserted = await tx.execute(sql`
    insert into idempotency_keys (user_id, key, request_hash, response, created_at)
    values (${userId}, ${input.key}, ${input.requestHash}, ${stored}::jsonb, ${input.now}::timestamptz)
    on conflict (user_id, key) do nothing
    returning 1 as claimed`);
  if (inserted.length > 0) return { replay: false };

  const existing = await lockedRecord(tx, userId, input);
  if (!existing) throw new Error('Idempotency record vanished while its row was locked.');
  if (!existing.live) {
    await tx.execute(sql`
      update idempotency_keys
      set request_hash = ${input.requestHash}, response = ${stored}::jsonb, created_at = ${input.now}::timestamptz
      where user_id = ${userId} and key = ${input.key}`);
    return { replay: false };
  }
  return replayed<T>(existing, input);
}
