/**
 * Idempotency-Key handling (docs/decisions/0003): the header's shape, and the request hash that
 * tells a retry (same method, path and body) from a different request reusing the key.
 * The store records only successful (201) responses with the write they protect; errors are not
 * recorded, so a retry after an error is evaluated afresh.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json.js';
import { validationFailed } from '../errors.js';
import type { IdempotencyInput } from '../store/types.js';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

// 1–200 visible ASCII characters (0x21–0x7E).
const KEY_SHAPE = /^[\x21-\x7E]{1,200}$/;

/** The header's value, undefined when absent; 400 on path `Idempotency-Key` when malformed. */
export function parseIdempotencyKey(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!KEY_SHAPE.test(value)) {
    throw validationFailed([{ path: IDEMPOTENCY_HEADER, message: 'must be 1–200 visible ASCII characters' }]);
  }
  return value;
}

export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method}\n${path}\n${canonicalJson(body)}`, 'utf8')
    .digest('hex');
}

/**
 * The store's idempotency input for a write, or undefined without the header. `body` is the
 * validated body, so requests that differ only in defaults or key order count as the same.
 */
export function idempotencyFor(
  header: string | undefined,
  request: { method: string; path: string; body: unknown; now: string },
): IdempotencyInput | undefined {
  const key = parseIdempotencyKey(header);
  if (key === undefined) return undefined;
  return { key, requestHash: requestHash(request.method, request.path, request.body), now: request.now };
}
