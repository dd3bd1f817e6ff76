/**
 * Text PostgreSQL cannot store the same way on both backends: U+0000 is rejected by `text`
 * (22021) and `jsonb` (22P05), and a lone UTF-16 surrogate is silently replaced by U+FFFD.
 * API.md rejects both with 400 on every backend; the stores call this before writing.
 */
import { validationFailed, type ErrorDetail } from '../errors.js';

// A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The problem with one string, or null when PostgreSQL stores it exactly. */
export function unstorableReason(text: string): string | null {
  const match = UNSTORABLE.exec(text);
  if (!match) return null;
  return match[0] === '\u0000' ? 'must not contain NUL (U+0000) characters' : 'must not contain lone UTF-16 surrogates';
}

/** Collects a detail for every unstorable string in `value` (strings, arrays, object keys and values). */
export function findUnstorable(value: unknown, path: string, out: ErrorDetail[] = []): ErrorDetail[] {
  if (typeof value === 'string') {
    const reason = unstorableReason(value);
    if (reason) out.push({ path, message: reason });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => findUnstorable(item, `${path}.${i}`, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const reason = unstorableReason(key);
      if (reason) out.push({ path: `${path}.${key}`, message: `key ${reason}` });
      findUnstorable(item, `${path}.${key}`, out);
    }
  }
  return out;
}

/** Throws validationFailed naming every unstorable field of `fields` (field name → value). */
export function assertStorable(fields: Record<string, unknown>): void {
  const details: ErrorDetail[] = [];
  for (const [path, value] of Object.entries(fields)) findUnstorable(value, path, details);
  if (details.length > 0) throw validationFailed(details);
}
