/**
 * zod building blocks that reject what the stores cannot keep exactly (storable-json.ts) inside
 * the request schemas, so the 400 names the exact field (`metadata.note`, `title`) on every backend.
 */
import { z } from 'zod';
import type { JsonObject } from '../store/types.js';
import { JSON_MAX_DEPTH, jsonIssues, unstorableReason } from './storable-json.js';

/** A string schema that also rejects NUL and lone surrogates. */
export function storable<S extends z.ZodString>(schema: S) {
  return schema.superRefine((value, ctx) => {
    const reason = unstorableReason(value);
    if (reason) ctx.addIssue({ code: 'custom', message: reason });
  });
}

/** Any JSON value; one shared instance so the OpenAPI document can name it. */
export const jsonValue = z.json();

const isPlainObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A JSON object (not an array or scalar) of storable text, nested at most JSON_MAX_DEPTH levels,
 * and of at most `maxBytes` serialized when given. The value is checked by the one iterative walk
 * and kept as it is: zod's record/json schemas would recurse (a stack overflow on deep input) and
 * drop `__proto__` keys, which are data here and are stored and returned like any other key.
 * Its JSON Schema (OpenAPI) is that of an object of JsonValue.
 */
export function storableJsonObject(maxBytes?: number) {
  return z
    .custom<JsonObject>(isPlainObject, { message: 'must be a JSON object' })
    .superRefine((value, ctx) => {
      const issues = jsonIssues(value);
      // A value nested too deep is refused as a whole, on the field itself.
      for (const issue of issues)
        ctx.addIssue({ code: 'custom', message: issue.message, path: issue.kind === 'depth' ? [] : issue.path });
      if (
        issues.length === 0 &&
        maxBytes !== undefined &&
        Buffer.byteLength(JSON.stringify(value), 'utf8') > maxBytes
      ) {
        ctx.addIssue({ code: 'custom', message: `must be at most ${maxBytes} bytes when serialized as JSON` });
      }
    })
    .meta({
      type: 'object',
      additionalProperties: { $ref: '#/components/schemas/JsonValue' },
      description: `A JSON object, nested at most ${JSON_MAX_DEPTH} levels.`,
    });
}
