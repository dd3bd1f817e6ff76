/**
 * data:import and data:restore: a JSON store directory into PostgreSQL, all or nothing, in one
 * transaction. Into an empty database, the conversation files are validated and COPYed in one
 * pipelined pass (empty-load.ts); into one that holds data, the validated rows are spooled, COPYed
 * into staging tables and merged (merge.ts). Either way every table is read back and its checksum
 * compared with the source's before COMMIT. Any invalid record, conflict, error or mismatch rolls
 * the whole transaction back; a killed process leaves the database as it was, because nothing is
 * committed until the end.
 */
import { describeUrl } from '../database-url.js';
import { AppError } from '../errors.js';
import { TABLE_ORDER, type TableName } from './canonical-row.js';
import { sameChecksum, summarizeAll, type ChecksumSummary, type Checksums } from './checksum.js';
import { dbChecksums, dbCounts } from './db-checksum.js';
import { loadIntoEmpty } from './empty-load.js';
import { connectionHint, translateLoadError, type Sql, type Tx } from './db.js';
import { findConflicts, insertMissing, stageSource, stagedOnly, type Conflict } from './merge.js';
import { createProgress, type Progress } from './progress.js';
import type { Issue } from './source-dir.js';
import { Spool } from './spool.js';
import { scanSmall, type SmallScan } from './small-tables.js';
import { scanConversations, type SourceScan } from './validate.js';

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

/** What the transaction found out, for the report: the scan (once complete) and what it wrote. */
interface Outcome {
  scan?: SourceScan;
  mode: ImportMode | null;
  inserted: Record<TableName, number>;
  verified: boolean;
}

const invalidMessage = (scan: SourceScan): string =>
  `${scan.issueCount} invalid record(s) in ${scan.dir}. Nothing was written; fix them and re-run.`;

/** Records the complete scan; an invalid source ends the transaction here. */
function accept(outcome: Outcome, scan: SourceScan): SourceScan {
  outcome.scan = scan;
  if (scan.issueCount > 0) throw new Abort('invalid', invalidMessage(scan));
  return scan;
}

/** Into a database that holds data: spool while validating, stage, refuse conflicts, insert what is missing. */
async function merge(
  tx: Tx,
  first: SmallScan,
  options: ImportOptions,
  outcome: Outcome,
  progress: Progress,
): Promise<void> {
  const spool = await Spool.open();
  try {
    const scan = accept(outcome, await scanConversations(first, { progress, sink: spool }));
    outcome.mode = 'merge';
    if (await holdsExactly(tx, scan, await dbCounts(tx)))
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
    outcome.inserted = await insertMissing(tx, progress);
  } finally {
    await spool.remove();
  }
}

/** Everything between BEGIN and COMMIT. */
async function runTransaction(
  tx: Tx,
  first: SmallScan,
  options: ImportOptions,
  outcome: Outcome,
  progress: Progress,
): Promise<void> {
  await tx`select pg_advisory_xact_lock(hashtext(${IMPORT_LOCK}))`;
  if (options.replace) await tx.unsafe(`truncate ${ALL_TABLES}`);
  if (isEmpty(await dbCounts(tx))) {
    const scan = await loadIntoEmpty(tx, first, options.batchSize ?? 1000, progress, (s) => accept(outcome, s));
    outcome.mode = options.replace ? 'replace' : 'empty-database';
    outcome.inserted = Object.fromEntries(TABLE_ORDER.map((n) => [n, scan.checksums[n].count])) as Record<
      TableName,
      number
    >;
  } else if (options.requireEmpty) {
    accept(outcome, await scanConversations(first, { progress }));
    throw new Abort(
      'not-empty',
      'The database already holds data, so restore refused to touch it. Re-run with --force to replace all of its contents (in one transaction), or restore into an empty database.',
    );
  } else {
    await merge(tx, first, options, outcome, progress);
  }
  await verifyLoaded(tx, outcome.scan!, outcome.mode!, progress);
  outcome.verified = true;
  if (outcome.mode === 'merge' && TABLE_ORDER.every((n) => outcome.inserted[n] === 0)) {
    throw new Abort(
      'already-imported',
      'Already imported: every record exists in the database with the same content. Nothing was written.',
    );
  }
}

/** Runs the transaction and reports its outcome; errors other than the refusals are thrown. */
async function load(
  sql: Sql,
  url: string,
  first: SmallScan,
  options: ImportOptions,
  progress: Progress,
): Promise<ImportReport> {
  const outcome: Outcome = { mode: null, inserted: zeroCounts(), verified: false };
  let refusal: Abort | undefined;
  try {
    await sql.begin((tx) => runTransaction(tx, first, options, outcome, progress));
  } catch (error) {
    if (!(error instanceof Abort) || !outcome.scan) throw connectionHint(error, url) ?? translateLoadError(error);
    refusal = error;
  }
  const report = baseReport(outcome.scan!, url, false);
  Object.assign(report, { mode: outcome.mode, inserted: outcome.inserted, verified: outcome.verified });
  if (!refusal) {
    report.unchanged = Object.fromEntries(TABLE_ORDER.map((n) => [n, report.counts[n] - report.inserted[n]])) as Record<
      TableName,
      number
    >;
    report.message = `Imported ${TABLE_ORDER.map((n) => `${report.inserted[n]} ${n}`).join(', ')}; verified before COMMIT.`;
    return report;
  }
  Object.assign(report, {
    status: refusal.status,
    ok: refusal.status === 'already-imported',
    message: refusal.message,
    conflicts: refusal.conflicts,
  });
  if (refusal.status === 'already-imported') report.unchanged = { ...report.counts };
  return report;
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
  const first = await scanSmall(options.dir);
  if (!options.dryRun) return finish(await load(sql, url, first, options, progress), started);
  const scan = await scanConversations(first, { progress });
  const report = baseReport(scan, url, true);
  if (scan.issueCount > 0) {
    Object.assign(report, {
      status: 'invalid',
      ok: false,
      message: invalidMessage(scan),
    });
  } else await dryRun(sql, url, scan, report);
  return finish(report, started);
}

function finish(report: ImportReport, started: number): ImportReport {
  report.durationMs = Math.round(performance.now() - started);
  return report;
}
