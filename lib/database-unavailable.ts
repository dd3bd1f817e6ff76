/**
 * Which errors mean "the database cannot serve us right now" rather than "this query is wrong":
 * the one list of connection failures, used by the PostgreSQL store (→ 503 unavailable), the
 * HTTP error reply's safety net, the data tools' hints and the migration scripts' messages.
 *
 * Two questions, because their users need different answers:
 * - isDatabaseUnreachable: we could not reach the server or lost the connection (Node socket
 *   errors, postgres.js's own connection codes, SQLSTATE class 08) — "check the URL and network";
 * - isDatabaseUnavailable: that, or the server says "not now": shutting down or restarting
 *   (57P01–57P03), too many connections (53300), statement cancelled by a timeout or a request
 *   deadline (57014, overload) — retry later.
 * Both look through `cause` (Drizzle's DrizzleQueryError, our AppError) a few levels deep.
 */

const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  // Node socket / DNS errors
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // postgres.js connection errors
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);

/** SQLSTATEs of a server that is there but cannot serve now. */
const NOT_NOW_SQLSTATES: ReadonlySet<string> = new Set(['57P01', '57P02', '57P03', '53300', '57014']);

/** SQLSTATE class 08: connection exception. */
const CONNECTION_EXCEPTION = /^08[0-9A-Z]{3}$/;

const MAX_DEPTH = 4;

/** The `code` of `error` or of the first thing it wraps that has one. */
export function failureCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_DEPTH && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function someCode(error: unknown, test: (code: string) => boolean): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_DEPTH && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && test(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

const unreachable = (code: string): boolean => UNREACHABLE_CODES.has(code) || CONNECTION_EXCEPTION.test(code);

/** True when `error` (or what it wraps) means the database server could not be reached or the connection was lost. */
export function isDatabaseUnreachable(error: unknown): boolean {
  return someCode(error, unreachable);
}

/** True when `error` (or what it wraps) means the database cannot serve now: unreachable, or the server said so. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return someCode(error, (code) => unreachable(code) || NOT_NOW_SQLSTATES.has(code));
}
