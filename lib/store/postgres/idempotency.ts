/**
 * Idempotency-Key records, used inside the write's own transaction: `claim` the key with the
 * response the write will return (our writes' responses are known before they run), then write.
 * If the write fails, the rollback removes the claim too. A concurrent request with the same key
 * blocks on the claimed row until the first commits (then replays it) or rolls back (then claims
 * it itself).
 */
import { conflict } from '../../errors.js';
import { IDEMPOTENCY_TTL_MS } from '../../idempotency/ttl.js';
import type { IdempotencyInput } from '../types.js';
import { rows, type Tx } from './executor.js';

const TTL = `${IDEMPOTENCY_TTL_MS} milliseconds`;

/** $1 user id, $2 key, $3 now, $4 the time to live as an interval. */
const LOCKED_RECORD = `
    select request_hash as "requestHash", response, created_at > $3::timestamptz - $4::interval as live
    from idempotency_keys where user_id = $1 and key = $2
    for update`;

/** $1 user id, $2 key, $3 request hash, $4 response json, $5 now. */
export const CLAIM_IDEMPOTENCY_KEY = `
    insert into idempotency_keys (user_id, key, request_hash, response, created_at)
    values ($1, $2, $3, $4::jsonb, $5::timestamptz)
    on conflict (user_id, key) do nothing
    returning 1 as claimed`;

/** An expired record taken over: the same parameters as CLAIM_IDEMPOTENCY_KEY. */
const RECLAIM = `
      update idempotency_keys set request_hash = $3, response = $4::jsonb, created_at = $5::timestamptz
      where user_id = $1 and key = $2`;

interface ExistingRow {
  requestHash: string;
  response: unknown;
  live: boolean;
}

export type Claim<T> = { replay: true; value: T } | { replay: false };

/** The stored record of `key`, locked, with whether it is still live. */
async function lockedRecord(tx: Tx, userId: string, input: IdempotencyInput): Promise<ExistingRow | undefined> {
  const [existing] = await rows<ExistingRow>(tx, LOCKED_RECORD, [userId, input.key, input.now, TTL]);
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
  const params = [userId, input.key, input.requestHash, JSON.stringify(response), input.now];
  const inserted = await rows(tx, CLAIM_IDEMPOTENCY_KEY, params);
  if (inserted.length > 0) return { replay: false };

  const existing = await lockedRecord(tx, userId, input);
  if (!existing) throw new Error('Idempotency record vanished while its row was locked.');
  if (!existing.live) {
    await rows(tx, RECLAIM, params);
    return { replay: false };
  }
  return replayed<T>(existing, input);
}
