/**
 * One list of "the database cannot serve now" (lib/database-unavailable.ts), and every user
 * agrees on it: the PostgreSQL store's translation, the HTTP error reply's safety net, the data
 * tools' hint and the migration scripts' message. Before, the three copies differed (ENETUNREACH
 * and 57014 were known to the store only).
 */
import { DrizzleQueryError } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, isDatabaseUnreachable } from '../../lib/database-unavailable.js';
import { connectionHint } from '../../lib/data-transfer/db.js';
import { errorReply } from '../../lib/http/error-reply.js';
import { logger, setLogSink } from '../../lib/log.js';
import { translateError } from '../../lib/store/postgres/errors.js';
import { describeFailure } from '../../scripts/migrate-errors.js';

const driverError = (code: string): Error => Object.assign(new Error(`driver ${code}`), { code });
const silent = logger.child({});

describe('database-unavailable: one classification for every user', () => {
  // errorReply logs the failures it answers; these are expected, keep them out of the output.
  beforeAll(() => setLogSink(() => undefined));
  afterAll(() => setLogSink((line) => process.stdout.write(`${line}\n`)));

  it.each(['ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', '08006', '08P01'])(
    '%s is unreachable and unavailable everywhere',
    (code) => {
      const error = driverError(code);
      expect(isDatabaseUnreachable(error)).toBe(true);
      expect(isDatabaseUnavailable(error)).toBe(true);
      expect(translateError(error).status).toBe(503);
      expect(translateError(new DrizzleQueryError('select 1', [], error)).status).toBe(503);
      expect(errorReply(new Error('wrapped', { cause: error }), 'req-1', silent).status).toBe(503);
      expect(connectionHint(error, 'postgres://u:p@db.example:5432/app')?.message).toMatch(
        /Cannot reach PostgreSQL at db\.example:5432/,
      );
      expect(describeFailure(error)).toMatch(/^Cannot reach PostgreSQL/);
    },
  );

  it.each(['57P01', '57P03', '53300', '57014'])('%s: the server is there but cannot serve now → 503', (code) => {
    const error = driverError(code);
    expect(isDatabaseUnreachable(error)).toBe(false);
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(translateError(error).status).toBe(503);
    const reply = errorReply(error, 'req-2', silent);
    expect(reply.status).toBe(503);
    expect(reply.headers?.['Retry-After']).toMatch(/^\d+$/);
  });

  it.each(['23505', '42P01', '22P02', undefined])('%s is not a database outage', (code) => {
    const error = code === undefined ? new Error('plain') : driverError(code);
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect(isDatabaseUnreachable(error)).toBe(false);
    expect(errorReply(error, 'req-3', silent).status).not.toBe(503);
  });
});
