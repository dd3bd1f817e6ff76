/**
 * The UUID rule, once: any 8-4-4-4-12 hex string (either case), which is what PostgreSQL's `uuid`
 * accepts and stores unchanged, not only RFC 9562 versions. Ids we generate are v7; ids of
 * imported data may be any version. Canonical form is lower case, as PostgreSQL returns it.
 */
import { z } from 'zod';

// Spelled out in both cases (no `i` flag) so the JSON Schema pattern says the same.
export const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

/** True for a UUID in canonical lower case (e.g. a JSON-store file name). */
export function isCanonicalUuid(value: unknown): value is string {
  return isUuid(value) && value === value.toLowerCase();
}

/** A zod string schema for UUIDs under this rule (JSON Schema: `format: uuid`). */
export const uuidSchema = z
  .string()
  .regex(UUID_PATTERN, 'must be a UUID (8-4-4-4-12 hex digits)')
  .meta({ format: 'uuid' });
