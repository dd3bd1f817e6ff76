/**
 * Translation of database failures into AppErrors at the store boundary, so no handler ever sees
 * a driver error: uniqueness clashes become conflicts naming the field, text PostgreSQL cannot
 * store becomes validation_failed, an unreachable or restarting server becomes unavailable (503;
 * which errors count is lib/database-unavailable.ts), and anything else is internal (500) with
 * the original kept as the cause.
 */
import { isDatabaseUnavailable } from '../../database-unavailable.js';
import { AppError, conflict, internal, unavailable, validationFailed } from '../../errors.js';
import { deadlineExceeded, deadlinePassed, raceDeadline, type Deadline } from '../../request-deadline.js';

interface DriverError {
  code?: unknown;
  constraint_name?: unknown;
  message?: unknown;
}

const UNIQUE_FIELDS: Record<string, string> = {
  users_email_lower_key: 'email',
  users_username_lower_key: 'username',
  messages_conversation_message_id_key: 'id',
};

function codeOf(error: unknown): string | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const code = (error as DriverError).code;
  return typeof code === 'string' ? code : undefined;
}

/** Any error thrown inside the store (under `deadline`, if any) → the AppError the API should answer with. */
export function translateError(cause: unknown, deadline?: Deadline): AppError {
  if (cause instanceof AppError) return cause;
  const code = codeOf(cause);
  if (code === '23505') {
    const constraint = (cause as DriverError).constraint_name;
    const field = typeof constraint === 'string' ? UNIQUE_FIELDS[constraint] : undefined;
    if (field)
      return new AppError(409, 'conflict', conflict(field).message, { details: conflict(field).details, cause });
  }
  if (code === '22021' || code === '22P05') {
    const failed = validationFailed([{ path: 'body', message: 'contains text that cannot be stored' }]);
    return new AppError(400, 'validation_failed', failed.message, { details: failed.details, cause });
  }
  // A statement cancelled by the request deadline (db/client.ts) answers 57014.
  if (code === '57014' && deadlinePassed(deadline)) return deadlineExceeded(deadline, cause);
  if (isDatabaseUnavailable(cause)) return unavailable(cause);
  return internal(cause);
}

/**
 * Runs one store operation, translating whatever it throws; with a request's `deadline`, it
 * answers no later than that (the operation's statements are cancelled then, see db/client.ts).
 */
export async function guard<T>(operation: () => Promise<T>, deadline?: Deadline): Promise<T> {
  try {
    return await raceDeadline(deadline, operation());
  } catch (error) {
    throw translateError(error, deadline);
  }
}
