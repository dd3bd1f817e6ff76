/**
 * Turns a failure of the migration scripts into one line saying what to do about it.
 * (The error itself is printed after this line, with its cause.)
 */
import { isConnectionError } from '../lib/store/postgres/errors.js';

interface PgErrorLike {
  code?: unknown;
  message?: unknown;
}

function codeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as PgErrorLike).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function describeFailure(error: unknown): string {
  const code = codeOf(error);
  if (isConnectionError(error) || (code !== undefined && isConnectionError({ code }))) {
    return 'Cannot reach PostgreSQL: check DATABASE_MIGRATION_URL/DATABASE_URL (host, port, network access) and that the server is up. Use a direct connection, not a transaction pooler.';
  }
  if (code === '28P01' || code === '28000') return 'Authentication failed: check the user and password in the URL.';
  if (code === '3D000') return 'The database in the URL does not exist: create it first.';
  if (code === '42501') return 'Permission denied: the migration user needs CREATE on the database and schema.';
  return 'A migration statement failed; the transaction was rolled back, so nothing of this run was applied. Fix the migration (see the error below) and re-run.';
}
