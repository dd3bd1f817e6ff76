/**
 * Translation of database failures into AppErrors at the store boundary, so no handler ever sees
 * a driver error: uniqueness clashes become conflicts naming the field, text PostgreSQL cannot
 * store becomes validation_failed, an unreachable or restarting server becomes unavailable (503),
 * and anything else is internal (500) with the original kept as the cause.
 */
import { DrizzleQueryError } from 'drizzle-orm';
import { AppError, conflict, internal, unavailable, validationFailed } from '../../errors.js';

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

// Node socket errors and postgres.js's own connection error codes.
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);

// SQLSTATEs meaning "the server cannot serve us right now", not "the query is wrong":
// admin/crash shutdown, cannot connect now, too many connections, statement timeout (overload).
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '57014']);

/**
 * Drizzle wraps driver errors in DrizzleQueryError, whose message contains the query parameters
 * (user data, password hashes). Keep the driver error as the cause instead, so logs never see them.
 */
function unwrap(error: unknown): unknown {
  return error instanceof DrizzleQueryError && error.cause !== undefined ? error.cause : error;
}

function codeOf(error: unknown): string | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const code = (error as DriverError).code;
  return typeof code === 'string' ? code : undefined;
}

/** True when `error` (or what it wraps) means the database is unreachable. */
export function isConnectionError(error: unknown): boolean {
  const code = codeOf(unwrap(error));
  if (code === undefined) return false;
  return CONNECTION_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08');
}

/** Any error thrown inside the store → the AppError the API should answer with. */
export function translateError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const cause = unwrap(error);
  if (cause instanceof AppError) return cause;
  const code = codeOf(cause);
  if (code === '23505') {
    const constraint = (cause as DriverError).constraint_name;
    const field = typeof constraint === 'string' ? UNIQUE_FIELDS[constraint] : undefined;
    if (field) return new AppError(409, 'conflict', conflict(field).message, { details: conflict(field).details, cause });
  }
  if (code === '22021' || code === '22P05') {
    const failed = validationFailed([{ path: 'body', message: 'contains text that cannot be stored' }]);
    return new AppError(400, 'validation_failed', failed.message, { details: failed.details, cause });
  }
  if (isConnectionError(cause)) return unavailable(cause);
  return internal(cause);
}

/** Runs one store operation, translating whatever it throws. */
export async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw translateError(error);
  }
}
