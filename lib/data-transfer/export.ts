/**
 * data:export (and data:backup): the database written as a JSON store directory (format v2, with
 * archived conversations, message parts, updatedAt, client-chosen ids and list order),
 * plus manifest.json with counts and checksums. One REPEATABLE READ, READ ONLY transaction gives
 * a consistent snapshot; conversations stream through one cursor (conversations joined with
 * their messages, in order), so memory holds one conversation at a time. Every file is written
 * atomically and durably with the JSON store's own helpers; manifest.json is written last, so its
 * presence means the export is complete.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describeUrl } from '../database-url.js';
import { AppError } from '../errors.js';
import { writeJsonAtomic } from '../store/json/atomic-file.js';
import type { ApiTokenRecord, JsonObject, Role, SessionRecord, UsageRecord, UserRecord } from '../store/types.js';
import { TABLES, canonicalColumns, canonicalFromDb, selectList, type Cell, type TableName } from './canonical-row.js';
import { addRow, emptyChecksums, summarizeAll, type ChecksumSummary, type Checksums } from './checksum.js';
import { eachDbRow } from './db-checksum.js';
import { type Sql, type Tx } from './db.js';
import { FORMAT_NAME, type StoredConversation } from '../store/json/format.js';
import { EXPORT_VERSION } from './format.js';
import { FILES } from './format.js';
import { createProgress, type Progress } from './progress.js';

export interface ExportManifest {
  format: typeof FORMAT_NAME;
  version: typeof EXPORT_VERSION;
  kind: 'export';
  createdAt: string;
  source: { host: string; database: string };
  counts: Record<TableName, number>;
  checksums: Record<TableName, ChecksumSummary>;
}

const s = (c: Cell | undefined): string => String(c);
const sn = (c: Cell | undefined): string | null => (c === null || c === undefined ? null : String(c));
const n = (c: Cell | undefined): number => Number(c);

const toUser = (c: Cell[]): UserRecord => ({
  id: s(c[0]),
  email: s(c[1]),
  username: s(c[2]),
  displayName: s(c[3]),
  passwordHash: s(c[4]),
  createdAt: s(c[5]),
  updatedAt: s(c[6]),
  lastLoginAt: sn(c[7]),
});
const toUsage = (c: Cell[]): UsageRecord => ({
  userId: s(c[0]),
  tier: s(c[1]),
  dailyUsed: n(c[2]),
  dailyWindowStart: s(c[3]),
  monthlyUsed: n(c[4]),
  monthlyWindowStart: s(c[5]),
  totalUsed: n(c[6]),
});
const toSession = (c: Cell[]): SessionRecord => ({
  id: s(c[0]),
  userId: s(c[1]),
  tokenHash: s(c[2]),
  createdAt: s(c[3]),
  expiresAt: s(c[4]),
  lastSeenAt: s(c[5]),
});
const toApiToken = (c: Cell[]): ApiTokenRecord => ({
  id: s(c[0]),
  userId: s(c[1]),
  name: s(c[2]),
  prefix: s(c[3]),
  tokenHash: s(c[4]),
  createdAt: s(c[5]),
  lastUsedAt: sn(c[6]),
  expiresAt: sn(c[7]),
});

/** Refuses a target that exists and is not empty, so an export never mixes with other files. */
async function prepareTarget(dir: string): Promise<{ existed: boolean }> {
  let existed = true;
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT')
      throw new AppError(500, 'internal', `Cannot read ${dir}: ${error.message}`, { cause: error });
    existed = false;
    return [];
  });
  if (entries.length > 0)
    throw new AppError(400, 'bad_request', `${dir} is not empty. Export into a new or empty directory.`);
  await mkdir(join(dir, FILES.conversations), { recursive: true });
  return { existed };
}

/** After a failed export, takes back what it wrote, so a retry into the same directory works. */
async function undoTarget(dir: string, existed: boolean): Promise<void> {
  if (!existed) return rm(dir, { recursive: true, force: true });
  for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
}

async function exportTable<T>(
  tx: Tx,
  dir: string,
  name: TableName,
  file: string,
  toRecord: (c: Cell[]) => T,
  sums: Checksums,
): Promise<void> {
  const spec = TABLES[name];
  const records: T[] = [];
  await eachDbRow(
    tx,
    spec,
    '',
    (cells) => {
      addRow(sums[name], canonicalFromDb(spec, cells));
      records.push(toRecord(cells));
    },
    `order by t."${spec.key}"`,
  );
  await writeJsonAtomic(join(dir, file), records);
}

function startConversation(c: Cell[]): ExportedConversation {
  return {
    id: s(c[0]),
    userId: s(c[1]),
    title: s(c[2]),
    archived: n(c[6]) === 1,
    createdAt: s(c[3]),
    updatedAt: s(c[4]),
    lastSeq: 0,
    messages: [],
  };
}

/** A conversation file as written: the JSON store's version-2 shape, messages numbered by list position. */
type ExportedConversation = Omit<StoredConversation, 'idempotency'>;

/** Streams conversations with their messages (in list order), one file per conversation. */
async function exportConversations(tx: Tx, dir: string, sums: Checksums, progress: Progress): Promise<void> {
  const conv = TABLES.conversations;
  const msg = TABLES.messages;
  const width = canonicalColumns(conv).length;
  let current: ExportedConversation | null = null;
  const flush = async (): Promise<void> => {
    if (!current) return;
    await writeJsonAtomic(join(dir, FILES.conversations, `${current.id}.json`), current);
    progress.tick(1);
  };
  const query = tx
    .unsafe(
      `select ${selectList(conv, 'c')}, ${selectList(msg, 'm')} from conversations c left join messages m on m.conversation_id = c.id
     order by c.id, m.created_at, m.seq`,
    )
    .values();
  for await (const rows of query.cursor(1000)) {
    for (const row of rows as Cell[][]) {
      if (current?.id !== s(row[0])) {
        await flush();
        current = startConversation(row);
        addRow(sums.conversations, canonicalFromDb(conv, row.slice(0, width)));
      }
      const m = row.slice(width);
      if (m[0] === null) continue;
      addRow(sums.messages, canonicalFromDb(msg, m));
      const seq = n(m[9]);
      current.messages.push({
        id: s(m[0]),
        role: s(m[3]) as Role,
        content: s(m[4]),
        parts: m[5] === null ? null : (JSON.parse(s(m[5])) as JsonObject[]),
        metadata: JSON.parse(s(m[6])) as JsonObject,
        createdAt: s(m[7]),
        updatedAt: s(m[8]),
        seq,
      });
      current.lastSeq = seq;
    }
  }
  if (current) await flush();
}

/** Everything read inside the export's snapshot transaction. */
async function exportSnapshot(tx: Tx, dir: string, sums: Checksums, progress: Progress): Promise<void> {
  await writeJsonAtomic(join(dir, FILES.meta), { format: FORMAT_NAME, version: EXPORT_VERSION });
  progress.start('export small tables', 4, 'files');
  await exportTable(tx, dir, 'users', FILES.users, toUser, sums);
  await exportTable(tx, dir, 'sessions', FILES.sessions, toSession, sums);
  await exportTable(tx, dir, 'apiTokens', FILES.apiTokens, toApiToken, sums);
  await exportTable(tx, dir, 'usage', FILES.usage, toUsage, sums);
  progress.tick(4);
  progress.done();
  const [row] = await tx<{ n: number }[]>`select count(*)::int as n from conversations`;
  progress.start('export conversations', row?.n ?? 0, 'files');
  await exportConversations(tx, dir, sums, progress);
  progress.done();
}

/** Writes the database at `url` (through `sql`) into `dir` as a JSON store. */
export async function exportDatabase(
  sql: Sql,
  url: string,
  dir: string,
  progress: Progress = createProgress(process.stderr, true),
): Promise<ExportManifest> {
  const { existed } = await prepareTarget(dir);
  const sums = emptyChecksums();
  try {
    await sql.begin('isolation level repeatable read read only', (tx) => exportSnapshot(tx, dir, sums, progress));
  } catch (error) {
    await undoTarget(dir, existed);
    throw error;
  }
  const manifest: ExportManifest = {
    format: FORMAT_NAME,
    version: EXPORT_VERSION,
    kind: 'export',
    createdAt: new Date().toISOString(),
    source: describeUrl(url),
    counts: Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v.count])) as Record<TableName, number>,
    checksums: summarizeAll(sums),
  };
  await writeJsonAtomic(join(dir, FILES.manifest), manifest);
  return manifest;
}
