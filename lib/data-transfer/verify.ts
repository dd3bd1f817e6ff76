/**
 * data:verify: compares a JSON store directory with the database. First per-table counts and
 * checksums (cheap, constant memory); only for tables that differ, a record-by-record pass that
 * names each record missing on one side or different between them. Messages are compared one
 * conversation at a time, so even the detailed pass holds one conversation's messages.
 */
import { describeUrl } from '../database-url.js';
import {
  TABLE_ORDER,
  TABLES,
  apiTokenCells,
  canonicalColumns,
  canonicalFromDb,
  canonicalFromSource,
  sessionCells,
  usageCells,
  userCells,
  type Cell,
  type SourceCell,
  type TableName,
} from './canonical-row.js';
import { rowHash, sameChecksum, summarize, type ChecksumSummary } from './checksum.js';
import { dbChecksums, eachDbRow, type QueryParam } from './db-checksum.js';
import { type Sql, type Tx } from './db.js';
import { createProgress, type Progress } from './progress.js';
import type { Issue } from './source-dir.js';
import { conversationRows } from './conversation-rows.js';
import { readConversation, scanSource, type SourceScan } from './validate.js';

export type DifferenceKind = 'missing-in-database' | 'missing-in-directory' | 'different';

export interface Difference {
  table: TableName;
  id: string;
  kind: DifferenceKind;
}

export interface VerifyReport {
  ok: boolean;
  source: string;
  target: { host: string; database: string };
  tables: Record<TableName, { directory: ChecksumSummary; database: ChecksumSummary; same: boolean }>;
  differences: Difference[];
  differenceCount: number;
  issues: Issue[];
  issueCount: number;
  durationMs: number;
}

const MAX_KEPT = 1000;

class Differences {
  readonly kept: Difference[] = [];
  count = 0;
  add(table: TableName, id: string, kind: DifferenceKind): void {
    this.count += 1;
    if (this.kept.length < MAX_KEPT) this.kept.push({ table, id, kind });
  }
}

type Keyed = Map<string, string>;

/** A record's key in reports: the first canonical cell (uuids lower-cased, as PostgreSQL prints them). */
function keyOf(name: TableName, cell: SourceCell | undefined): string {
  const key = String(cell);
  return canonicalColumns(TABLES[name])[0]![1] === 'uuid' ? key.toLowerCase() : key;
}

function keyedSource(name: TableName, rows: SourceCell[][]): Keyed {
  const spec = TABLES[name];
  return new Map(rows.map((cells) => [keyOf(name, cells[0]), rowHash(canonicalFromSource(spec, cells))]));
}

/** Streams DB rows against a source map; every key left unmatched is missing in the database. */
async function diffAgainst(
  tx: Tx,
  name: TableName,
  source: Keyed,
  where: string,
  params: QueryParam[],
  out: Differences,
): Promise<void> {
  const spec = TABLES[name];
  await eachDbRow(
    tx,
    spec,
    where,
    (cells: Cell[]) => {
      const id = String(cells[0]);
      const expected = source.get(id);
      if (expected === undefined) out.add(name, id, 'missing-in-directory');
      else if (expected !== rowHash(canonicalFromDb(spec, cells))) out.add(name, id, 'different');
      source.delete(id);
    },
    '',
    params,
  );
  for (const id of source.keys()) out.add(name, id, 'missing-in-database');
}

function smallRows(scan: SourceScan, name: TableName): SourceCell[][] {
  if (name === 'users') return scan.small.users.map(userCells);
  if (name === 'usage') return scan.small.usage.map(usageCells);
  if (name === 'sessions') return scan.small.sessions.map(sessionCells);
  return scan.small.apiTokens.map(apiTokenCells);
}

/** Conversations (and, when `messages`, their messages) compared record by record. */
async function diffConversations(
  tx: Tx,
  scan: SourceScan,
  messages: boolean,
  out: Differences,
  progress: Progress,
): Promise<void> {
  const heads: SourceCell[][] = [];
  progress.start('compare conversations', scan.conversationFiles.length, 'files');
  for (const name of scan.conversationFiles) {
    const conv = await readConversation(scan.dir, name, null);
    progress.tick(1);
    if (!conv) continue;
    const rows = conversationRows(conv);
    heads.push(rows.conversation);
    if (messages)
      await diffAgainst(
        tx,
        'messages',
        keyedSource('messages', rows.messages),
        'where t.conversation_id = $1',
        [conv.id],
        out,
      );
  }
  progress.done();
  const ids = heads.map((h) => String(h[0]).toLowerCase());
  if (messages)
    await diffAgainst(tx, 'messages', new Map(), 'where not (t.conversation_id = any($1::uuid[]))', [ids], out);
  await diffAgainst(tx, 'conversations', keyedSource('conversations', heads), '', [], out);
}

async function detail(tx: Tx, scan: SourceScan, differing: TableName[], progress: Progress): Promise<Differences> {
  const out = new Differences();
  for (const name of differing) {
    if (name !== 'conversations' && name !== 'messages')
      await diffAgainst(tx, name, keyedSource(name, smallRows(scan, name)), '', [], out);
  }
  if (differing.includes('conversations') || differing.includes('messages')) {
    await diffConversations(tx, scan, differing.includes('messages'), out, progress);
  }
  return out;
}

/** Compares `dir` with the database; `ok` only when every table is identical and the directory is valid. */
export async function verifyDirectory(
  sql: Sql,
  url: string,
  dir: string,
  progress: Progress = createProgress(process.stderr, true),
): Promise<VerifyReport> {
  const started = performance.now();
  const scan = await scanSource(dir, { progress });
  let differences = new Differences();
  const tables = {} as VerifyReport['tables'];
  await sql.begin('isolation level repeatable read read only', async (tx) => {
    const db = await dbChecksums(tx);
    for (const name of TABLE_ORDER) {
      tables[name] = {
        directory: summarize(scan.checksums[name]),
        database: summarize(db[name]),
        same: sameChecksum(scan.checksums[name], db[name]),
      };
    }
    const differing = TABLE_ORDER.filter((n) => !tables[n].same);
    if (differing.length > 0) differences = await detail(tx, scan, differing, progress);
  });
  return {
    ok: scan.issueCount === 0 && TABLE_ORDER.every((n) => tables[n].same),
    source: dir,
    target: describeUrl(url),
    tables,
    differences: differences.kept,
    differenceCount: differences.count,
    issues: scan.issues,
    issueCount: scan.issueCount,
    durationMs: Math.round(performance.now() - started),
  };
}
