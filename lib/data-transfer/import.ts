/**
 * data:import and data:restore: a JSON store directory into PostgreSQL, all or nothing.
 * Pass one validates everything, computes the source checksums and spools the rows as COPY text;
 * then one transaction loads them with COPY (straight into the tables when the database is empty,
 * through staging tables when it is not), reads the rows back and compares checksums before
 * COMMIT. Any invalid record, conflict, error or mismatch rolls the whole transaction back; a
 * killed process leaves the database as it was, because nothing is committed until the end.
 */
import { describeUrl } from '../database-url.js';
import { AppError } from '../errors.js';
import { TABLE_ORDER, TABLES, type TableName } from './canonical-row.js';
import { sameChecksum, summarizeAll, type ChecksumSummary, type Checksums } from './checksum.js';
import { copyInto, sourceStream } from './copy-load.js';
import { dbChecksums, dbCounts } from './db-checksum.js';
import { withForeignKeysDeferred } from './foreign-keys.js';
import { connectionHint, pgCode, type Sql, type Tx } from './db.js';
import { findConflicts, insertMissing, stageSource, stagedOnly, type Conflict } from './merge.js';
import { createProgress, type Progress } from './progress.js';
import type { Issue } from './source-dir.js';
import { Spool } from './spool.js';
import { scanSource, type SourceScan } from './validate.js';

export type ImportStatus = 'imported' | 'already-imported' | 'dry-run' | 'invalid' | 'conflict' | 'not-empty';
export type ImportMode = 'empty-database' | 'merge' | 'replace';

export interface ImportOptions {
  dir: string;
  dryRun?: boolean;
  batchSize?: number;
  /** restore: refuse a database that holds any record. */
  requireEmpty?: boolean;
  /** restore --force: delete every record first, in the same transaction. */
  replace?: boolean;
  progress?: Progress;
}

export interface ImportReport {
  status: ImportStatus;
  ok: boolean;
  message: string;
  source: string;
  target: { host: string; database: string };
  dryRun: boolean;
  mode: ImportMode | null;
  counts: Record<TableName, number>;
  inserted: Record<TableName, number>;
  unchanged: Record<TableName, number>;
  checksums: Record<TableName, ChecksumSummary>;
  verified: boolean;
  issues: Issue[];
  issueCount: number;
  conflicts: Conflict[];
  skipped: string[];
  durationMs: number;
  /** Peak resident memory of the importing process, when the script reports it. */
  maxRssMb?: number;
}

/** Thrown inside the transaction to roll it back with a report-worthy outcome. */
class Abort extends Error {
  constructor(
    readonly status: ImportStatus,
    message: string,
    readonly conflicts: Conflict[] = [],
  ) {
    super(message);
  }
}

const ALL_TABLES = 'users, usage, sessions, api_tokens, conversations, messages, login_failures, idempotency_keys';
const IMPORT_LOCK = 'threadbase:data-import';

const zeroCounts = (): Record<TableName, number> =>
  Object.fromEntries(TABLE_ORDER.map((n) => [n, 0])) as Record<TableName, number>;

function baseReport(scan: SourceScan, url: string, dryRun: boolean): ImportReport {
  const counts = Object.fromEntries(TABLE_ORDER.map((n) => [n, scan.checksums[n].count])) as Record<TableName, number>;
  return {
    status: 'imported',
    ok: true,
    message: '',
    source: scan.dir,
    target: describeUrl(url),
    dryRun,
    mode: null,
    counts,
    inserted: zeroCounts(),
    unchanged: zeroCounts(),
    checksums: summarizeAll(scan.checksums),
    verified: false,
    issues: scan.issues,
    issueCount: scan.issueCount,
    conflicts: [],
    skipped: scan.skipped,
    durationMs: 0,
  };
}

/** Names every table whose database checksum differs from the source's. */
function mismatches(source: Checksums, db: Checksums): string[] {
  return TABLE_ORDER.filter((n) => !sameChecksum(source[n], db[n])).map(
    (n) =>
      `${n}: source ${source[n].count} rows, database ${db[n].count} rows${source[n].count === db[n].count ? ' (same count, different content)' : ''}`,
  );
}

const isEmpty = (counts: Record<TableName, number>): boolean => TABLE_ORDER.every((n) => counts[n] === 0);

/** Whether the database holds exactly the source's records; reads the tables only when the counts agree. */
async function holdsExactly(sql: Sql | Tx, scan: SourceScan, counts: Record<TableName, number>): Promise<boolean> {
  if (!TABLE_ORDER.every((n) => counts[n] === scan.checksums[n].count)) return false;
  return mismatches(scan.checksums, await dbChecksums(sql)).length === 0;
}

async function copyAll(
  tx: Tx,
  scan: SourceScan,
  spool: Spool,
  batch: number,
  progress: Progress,
): Promise<Record<TableName, number>> {
  const inserted = zeroCounts();
  await withForeignKeysDeferred(
    tx,
    TABLE_ORDER.map((n) => TABLES[n].table),
    async () => {
      for (const name of TABLE_ORDER) {
        progress.start(`load ${name}`, scan.checksums[name].count, 'rows');
        inserted[name] = await copyInto(
          tx,
          TABLES[name],
          TABLES[name].table,
          sourceStream(scan, spool, name, batch),
          (n) => progress.tick(n),
        );
        progress.done();
      }
    },
  );
  // The rows carry their seq (the source's list order); the identity continues after them.
  await tx.unsafe(
    `select setval(pg_get_serial_sequence('messages', 'seq'), (select coalesce(max(seq), 0) + 1 from messages), false)`,
  );
  return inserted;
}

async function verifyLoaded(tx: Tx, scan: SourceScan, mode: ImportMode, progress: Progress): Promise<void> {
  progress.start('verify', TABLE_ORDER.length, 'tables');
  const db = await dbChecksums(tx, mode === 'merge' ? stagedOnly : () => '');
  progress.tick(TABLE_ORDER.length);
  progress.done();
  const bad = mismatches(scan.checksums, db);
  if (bad.length > 0) {
    throw new AppError(
      500,
      'internal',
      `Verification before COMMIT failed, so nothing was written: ${bad.join('; ')}. ` +
        'Stop anything else writing to this database (triggers, the application) and re-run; if it happens again, report it with the --json output.',
    );
  }
}

/** Everything between BEGIN and COMMIT. */
async function runTransaction(
  tx: Tx,
  scan: SourceScan,
  spool: Spool,
  options: ImportOptions,
  report: ImportReport,
  progress: Progress,
): Promise<void> {
  await tx`select pg_advisory_xact_lock(hashtext(${IMPORT_LOCK}))`;
  if (options.replace) await tx.unsafe(`truncate ${ALL_TABLES}`);
  const counts = await dbCounts(tx);
  if (options.requireEmpty && !isEmpty(counts)) {
    throw new Abort(
      'not-empty',
      'The database already holds data, so restore refused to touch it. Re-run with --force to replace all of its contents (in one transaction), or restore into an empty database.',
    );
  }
  if (isEmpty(counts)) {
    report.mode = options.replace ? 'replace' : 'empty-database';
    report.inserted = await copyAll(tx, scan, spool, options.batchSize ?? 1000, progress);
  } else {
    report.mode = 'merge';
    if (await holdsExactly(tx, scan, counts))
      throw new Abort(
        'already-imported',
        'Already imported: the database holds exactly these records. Nothing was written.',
      );
    await stageSource(tx, scan, spool, options.batchSize ?? 1000, progress);
    const conflicts = await findConflicts(tx);
    if (conflicts.length > 0)
      throw new Abort(
        'conflict',
        `${conflicts.length} record(s) already exist in the database with different content. Nothing was written; resolve them (or restore into an empty database) and re-run.`,
        conflicts,
      );
    report.inserted = await insertMissing(tx, progress);
  }
  await verifyLoaded(tx, scan, report.mode, progress);
  report.verified = true;
  if (report.mode === 'merge' && TABLE_ORDER.every((n) => report.inserted[n] === 0)) {
    throw new Abort(
      'already-imported',
      'Already imported: every record exists in the database with the same content. Nothing was written.',
    );
  }
}

function translateLoadError(error: unknown): unknown {
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

async function load(
  sql: Sql,
  url: string,
  scan: SourceScan,
  spool: Spool,
  options: ImportOptions,
  report: ImportReport,
  progress: Progress,
): Promise<void> {
  try {
    await sql.begin((tx) => runTransaction(tx, scan, spool, options, report, progress));
    report.unchanged = Object.fromEntries(TABLE_ORDER.map((n) => [n, report.counts[n] - report.inserted[n]])) as Record<
      TableName,
      number
    >;
    report.message = `Imported ${TABLE_ORDER.map((n) => `${report.inserted[n]} ${n}`).join(', ')}; verified before COMMIT.`;
  } catch (error) {
    if (!(error instanceof Abort)) throw connectionHint(error, url) ?? translateLoadError(error);
    Object.assign(report, {
      status: error.status,
      ok: error.status === 'already-imported',
      message: error.message,
      conflicts: error.conflicts,
    });
    if (error.status === 'already-imported') report.unchanged = { ...report.counts };
  }
}

async function dryRun(sql: Sql, url: string, scan: SourceScan, report: ImportReport): Promise<void> {
  report.status = 'dry-run';
  try {
    const counts = await dbCounts(sql);
    if (isEmpty(counts)) {
      report.message = `Dry run: valid. A real run would insert ${TABLE_ORDER.map((n) => `${report.counts[n]} ${n}`).join(', ')} into the empty database. Nothing was written.`;
    } else if (await holdsExactly(sql, scan, counts)) {
      report.message =
        'Dry run: valid. The database already holds exactly these records; a real run would write nothing.';
    } else {
      report.message =
        'Dry run: valid. The database already holds other data: a real run would insert the missing records, skip identical ones, and stop without writing if any record conflicts. Nothing was written.';
    }
  } catch (error) {
    throw connectionHint(error, url) ?? error;
  }
}

/** Validates `dir` and, unless it is invalid or a dry run, imports it through `sql`. */
export async function importDirectory(sql: Sql, url: string, options: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const progress = options.progress ?? createProgress(process.stderr, true);
  const spool = options.dryRun ? undefined : await Spool.open();
  try {
    const scan = await scanSource(options.dir, progress, spool);
    const report = baseReport(scan, url, options.dryRun === true);
    if (scan.issueCount > 0) {
      Object.assign(report, {
        status: 'invalid',
        ok: false,
        message: `${scan.issueCount} invalid record(s) in ${options.dir}. Nothing was written; fix them and re-run.`,
      });
    } else if (spool) {
      await load(sql, url, scan, spool, options, report, progress);
    } else {
      await dryRun(sql, url, scan, report);
    }
    return finish(report, started);
  } finally {
    await spool?.remove();
  }
}

function finish(report: ImportReport, started: number): ImportReport {
  report.durationMs = Math.round(performance.now() - started);
  return report;
}
