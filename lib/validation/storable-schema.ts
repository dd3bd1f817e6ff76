/**
 * zod building blocks that reject text PostgreSQL cannot store (NUL, lone surrogates) inside the
 * request schemas, so the 400 names the exact field (`metadata.note`, `title`) on every backend.
 */
import { z } from 'zod';
import { unstorableReason } from './storable-text.js';

/** A string schema that also rejects NUL and lone surrogates. */
export function storable<S extends z.ZodString>(schema: S) {
  return schema.superRefine((value, ctx) => {
    const reason = unstorableReason(value);
    if (reason) ctx.addIssue({ code: 'custom', message: reason });
  });
}

function walk(value: unknown, path: (string | number)[], ctx: z.RefinementCtx): void {
  if (typeof value === 'string') {
    const reason = unstorableReason(value);
    if (reason) ctx.addIssue({ code: 'custom', message: reason, path });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, [...path, i], ctx));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const reason = unstorableReason(key);
      if (reason) ctx.addIssue({ code: 'custom', message: `key ${reason}`, path: [...path, key] });
      walk(item, [...path, key], ctx);
    }
  }
}

/** Any JSON value; one shared instance so the OpenAPI document can name it. */
export const jsonValue = z.json();

/** A JSON object (not an array or scalar) of at most `maxBytes` serialized, with storable text. */
export function storableJsonObject(maxBytes: number) {
  return z
    .record(z.string(), jsonValue)
    .superRefine((value, ctx) => {
      walk(value, [], ctx);
      if (Buffer.byteLength(JSON.stringify(value), 'utf8') > maxBytes) {
        ctx.addIssue({ code: 'custom', message: `must be at most ${maxBytes} bytes when serialized as JSON` });
      }
    });
}
