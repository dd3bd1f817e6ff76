/**
 * The timestamp rule, once: an ISO-8601 UTC string with milliseconds (`2026-11-22T14:37:00.000Z`)
 * that names a real instant (no 30 February) in years 0001–9999, exactly as the stores write
 * them (`Date#toISOString()`, PostgreSQL's timestamptz(3)). PostgreSQL has no year 0000 and
 * refuses it with 22008, so such a value must be caught before it reaches the database.
 */
const ISO_MS = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function isIsoInstant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = ISO_MS.exec(value);
  if (!match || match[1] === '0000') return false;
  const ms = Date.parse(value);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === value;
}
