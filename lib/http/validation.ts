/**
 * zod → API.md `validation_failed`: one details entry per bad field, the path joined with '.'.
 */
import { z } from 'zod';
import { validationFailed, type AppError, type ErrorDetail } from '../errors.js';

/** One detail per distinct path (the first issue reported for that path). */
export function zodDetails(error: z.core.$ZodError): ErrorDetail[] {
  const seen = new Map<string, ErrorDetail>();
  for (const issue of error.issues) {
    const path = issue.path.map((segment) => String(segment)).join('.');
    if (!seen.has(path)) seen.set(path, { path, message: issue.message });
  }
  return [...seen.values()];
}

export function fromZodError(error: z.core.$ZodError): AppError {
  return validationFailed(zodDetails(error));
}

/** Parses `value` with `schema`, throwing validation_failed with per-field details. */
export async function validate<T>(schema: z.ZodType<T>, value: unknown): Promise<T> {
  const result = await schema.safeParseAsync(value);
  if (!result.success) throw fromZodError(result.error);
  return result.data;
}

/** Synchronous variant for query strings. */
export function validateSync<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw fromZodError(result.error);
  return result.data;
}

/**
 * Query parameters for a query schema: a key given once is a string, a repeated key is an array
 * of its values, so a schema field of type string refuses `?limit=5&limit=6` (400 on `limit`)
 * instead of silently picking one. Keys go on a prototype-less object, defined not assigned.
 */
export function queryValues(params: URLSearchParams): Record<string, string | string[]> {
  const out = Object.create(null) as Record<string, string | string[]>;
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    Object.defineProperty(out, key, { value: values.length === 1 ? values[0] : values, enumerable: true });
  }
  return out;
}

/** Query parameters as single values: a repeated key keeps its last value (path parameters only). */
export function queryObject(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of params) out[key] = value;
  return out;
}
