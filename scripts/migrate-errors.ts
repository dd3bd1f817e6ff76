/**
 * Turns a failure of the migration scripts into one line saying what to do about it.
 * (The error itself is printed after this line, with its cause.)
 */
import { failureCode, isDatabaseUnavailable } from '../lib/database-unavailable.js';

export function describeFailure(error: unknown): string {
  const code = failureCode(error);
  if (isDatabaseUnavailable(error)) {
    return 'Cannot reach PostgreSQL: check DATABASE_MIGRATION_URL/DATABASE_URL (host, port, network access) and that the server is up. Use a direct connection, not a transaction pooler.';
  }
  if (code === '28P01' || code === '28000') return 'Authentication failed: check the user and password in the URL.';
  if (code === '3D000') return 'The database in the URL does not exist: create it first.';
  if (code === '42501') return 'Permission denied: the migration user needs CREATE on the database and schema.';
  return 'A migration statement failed; the transaction was rolled back, so nothing of this run was applied. Fix the migration (see the error below) and re-run.';
}
