/**
 * How long an Idempotency-Key record is replayed (docs/decisions/0003): 24 hours after the write
 * it protects. Both stores use this value; older records are ignored and may be pruned.
 */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
