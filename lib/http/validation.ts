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

/** Query parameters as single values: a repeated key keeps its last value. */
export function queryObject(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of params) out[key] = value;
  return out;
}
