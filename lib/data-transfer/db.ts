/**
 * The database connection of the data tools: one dedicated connection, no statement timeout (a
 * COPY of a million rows is one statement), UTC session time zone (why not db/client.ts:
 * docs/decisions/0011); and the errors that say what to check when it fails.
 */
import postgres from 'postgres';
import { describeUrl } from '../database-url.js';
import { isDatabaseUnreachable } from '../database-unavailable.js';
import { AppError } from '../errors.js';

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;

export interface TransferDbOptions {
  prepare?: boolean;
  connectTimeoutSeconds?: number;
}

/** Opens the tools' single connection; close it with `closeTransferDb`. */
export function openTransferDb(url: string, options: TransferDbOptions = {}): Sql {
  return postgres(url, {
    max: 1,
    prepare: options.prepare ?? true,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    idle_timeout: 0,
    onnotice: () => undefined,
    connection: { application_name: 'threadbase-data-tools', statement_timeout: 0, TimeZone: 'UTC' },
  });
}

export async function closeTransferDb(sql: Sql): Promise<void> {
  await sql.end({ timeout: 5 });
}

/** The SQLSTATE of a PostgreSQL error, if it is one. */
export function pgCode(error: unknown): string | undefined {
  if (error !== null && typeof error === 'object' && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** Translates connection failures into an error that says what to check. */
export function connectionHint(error: unknown, url: string): AppError | undefined {
  const code = pgCode(error);
  const where = describeUrl(url);
  if (isDatabaseUnreachable(error)) {
    return new AppError(
      503,
      'unavailable',
      `Cannot reach PostgreSQL at ${where.host}. Check DATABASE_URL and that the server is running.`,
      { cause: error },
    );
  }
  if (code === '3D000')
    return new AppError(
      503,
      'unavailable',
      `Database "${where.database}" does not exist on ${where.host}. Create it, then run npm run db:migrate.`,
      { cause: error },
    );
  if (code === '42P01')
    return new AppError(
      503,
      'unavailable',
      `The database at ${where.host}/${where.database} has no Threadbase tables. Run npm run db:migrate first.`,
      { cause: error },
    );
  if (code === '28P01' || code === '28000')
    return new AppError(503, 'unavailable', `PostgreSQL refused the credentials in DATABASE_URL for ${where.host}.`, {
      cause: error,
    });
  return undefined;
}

/** A load's constraint failures as what they mean for the source (else the error itself). */
export function translateLoadError(error: unknown): unknown {
  const code = pgCode(error);
  const detail = error instanceof Error && 'detail' in error ? String((error as { detail: unknown }).detail) : '';
  if (code === '23505')
    return new AppError(
      409,
      'conflict',
      `Duplicate record in the source (${detail || (error as Error).message}). Nothing was written; remove the duplicate and re-run.`,
      { cause: error },
    );
  if (code === '23503')
    return new AppError(
      400,
      'validation_failed',
      `A record refers to a missing parent (${detail || (error as Error).message}). Nothing was written.`,
      { cause: error },
    );
  return error;
}
