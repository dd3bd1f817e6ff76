/**
 * How the JSON store names file-system faults to clients and operators: a damaged data file
 * (500 internal, naming the file relative to DATA_DIR and the runbook section; never its content
 * or the server's paths), and a data directory that refuses writes because its disk is full or
 * its filesystem read-only (503 unavailable with Retry-After: reads keep working, and the fault
 * is external and can clear without a restart). docs/api.md and docs/runbook.md describe both.
 */
import path from 'node:path';
import { AppError } from '../../errors.js';
import type { CorruptFileError } from './atomic-file.js';

/** Seconds a client should wait before retrying a write refused by the filesystem. */
export const REFUSED_RETRY_AFTER_SECONDS = 30;

/** `conversations/<id>.json`, relative to the data directory, with forward slashes. */
export function relativeName(dir: string, file: string): string {
  return path.relative(dir, file).split(path.sep).join('/');
}

/**
 * A damaged file cannot heal by retrying, so this is a 500, not a 503: retrying clients would
 * only hammer it. The file itself is never rewritten by the store (the operator restores it).
 */
export function corruptFileError(dir: string, error: CorruptFileError): AppError {
  const name = relativeName(dir, error.file);
  return new AppError(
    500,
    'internal',
    `The data file ${name} is damaged and was left unchanged; requests that need it fail until an operator ` +
      'restores it from a backup (see docs/runbook.md, "A JSON data file is damaged").',
    { cause: error },
  );
}

const REASONS: Record<string, string> = {
  ENOSPC: 'its disk is full',
  EDQUOT: 'its disk quota is used up',
  EROFS: 'it is on a read-only filesystem',
  EACCES: 'this process may not write there (permission denied)',
  EPERM: 'this process may not write there (operation not permitted)',
};

/** Why the filesystem refuses writes, for an errno code that means so; undefined for other codes. */
export function refusalReason(code: string | undefined): string | undefined {
  return code === undefined ? undefined : REASONS[code];
}

/** The data directory cannot be written right now (disk full, read-only filesystem, permissions). */
export function writeRefused(reason: string, cause: unknown): AppError {
  return new AppError(
    503,
    'unavailable',
    `The data directory (DATA_DIR) cannot be written: ${reason}. Reads still work; writes are refused until ` +
      'an operator frees space or makes it writable (on a platform whose filesystem is read-only, set DATABASE_URL ' +
      'to use PostgreSQL). See docs/runbook.md, "The JSON store cannot write".',
    { headers: { 'Retry-After': String(REFUSED_RETRY_AFTER_SECONDS) }, cause },
  );
}
