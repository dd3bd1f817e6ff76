/**
 * Errors → the API.md envelope `{ error: { code, message, details, requestId } }`.
 * AppError keeps its status and headers; ZodError is validation_failed; anything else is a 500
 * whose body says nothing about the cause (no stack, no SQL) while the log keeps all of it.
 */
import { z } from 'zod';
import { isDatabaseUnavailable } from '../database-unavailable.js';
import { AppError, ERROR_CODES, internal, isAppError, unavailable } from '../errors.js';
import type { Logger } from '../log.js';
import type { Reply } from './route.js';
import { fromZodError } from './validation.js';

/** The body of every non-2xx response. */
export const errorEnvelope = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })),
    requestId: z.string(),
  }),
});
export type ErrorEnvelope = z.infer<typeof errorEnvelope>;

export function envelope(error: AppError, requestId: string): ErrorEnvelope {
  return { error: { code: error.code, message: error.message, details: error.details, requestId } };
}

/** The reply for an AppError (no logging). */
export function appErrorReply(error: AppError, requestId: string): Reply {
  return { status: error.status, body: envelope(error, requestId), headers: { ...error.headers } };
}

function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  // Stores translate database failures themselves; this is the safety net, so one that slips
  // through still reads as a 503, not a 500.
  if (isDatabaseUnavailable(error)) return unavailable(error);
  // $ZodError covers schemas from zod classic and zod/mini alike.
  if (error instanceof z.core.$ZodError) return fromZodError(error);
  return internal(error);
}

/** The reply for anything a handler threw, logging server-side failures with their cause. */
export function errorReply(error: unknown, requestId: string, log: Logger): Reply {
  const appError = toAppError(error);
  if (appError.status >= 500) {
    const fields = { code: appError.code, error: appError.cause ?? appError };
    if (appError.status === 500) log.error('request failed', fields);
    else log.warn('request failed', fields);
  }
  return appErrorReply(appError, requestId);
}
