/**
 * Pass one of an import (and the source side of verify): reads a JSON store directory, validates
 * every record (zod; conversation files first through a fast pre-check that accepts only what zod
 * accepts), checks references and id uniqueness across files, computes the source checksums and,
 * for an import, spools the rows as COPY text. Conversation files are read one at a time; only
 * the set of ids seen so far grows with the number of messages.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { isUuid } from '../validation/uuid.js';
import { addRow, emptyChecksums, summarizeAll, type ChecksumSummary, type Checksums } from './checksum.js';
import {
  TABLES,
  apiTokenCells,
  canonicalFromSource,
  copyLine,
  conversationCells,
  messageCells,
  messageRowCells,
  v1Cells,
  V1_MANIFEST_TABLES,
  type SourceMessage,
  sessionCells,
  usageCells,
  userCells,
  type SourceCell,
  type TableName,
} from './canonical-row.js';
import {
  CONVERSATION_KEYS,
  FILES,
  apiTokenSchema,
  conversationFileSchema,
  metaSchema,
  sessionSchema,
  usageSchema,
  userSchema,
  type ConversationFile,
  type FileMessage,
  type SmallTables,
} from './format.js';
import {
  assertDirectory,
  listConversationFiles,
  readJson,
  skippedTopLevel,
  zodIssues,
  type Issue,
} from './source-dir.js';
import type { Progress } from './progress.js';
import { quickConversation } from './fast-check.js';
import type { Spool } from './spool.js';

/** Issues kept in full; beyond this only the count grows (a broken store can have millions). */
const MAX_KEPT_ISSUES = 1000;

export interface SourceScan {
  dir: string;
  small: SmallTables;
  conversationFiles: string[];
  checksums: Checksums;
  issues: Issue[];
  issueCount: number;
  /** What import leaves out on purpose (transient files, unknown fields), for the report. */
  skipped: string[];
}

class IssueList {
  readonly kept: Issue[] = [];
  count = 0;
  add(...issues: Issue[]): void {
    for (const issue of issues) {
      this.count += 1;
      if (this.kept.length < MAX_KEPT_ISSUES) this.kept.push(issue);
    }
  }
}

interface Validated<T> {
  records: T[];
  /** Each record's index in the file (invalid records are left out of `records`). */
  at: number[];
  /** The `id` of every record, valid or not, so an invalid user does not also fail its references. */
  ids: Set<string>;
}

function validateArray<T>(file: string, value: unknown, schema: z.ZodType<T>, issues: IssueList): Validated<T> {
  const out: Validated<T> = { records: [], at: [], ids: new Set() };
  if (!Array.isArray(value)) {
    issues.add({ file, path: '', message: 'must be a JSON array of records' });
    return out;
  }
  value.forEach((item: unknown, i) => {
    const id = (item as { id?: unknown } | null)?.id;
    if (typeof id === 'string') out.ids.add(id.toLowerCase());
    const parsed = schema.safeParse(item);
    if (parsed.success) {
      out.records.push(parsed.data);
      out.at.push(i);
    } else issues.add(...zodIssues(file, [i], parsed.error.issues));
  });
  return out;
}

async function readArray<T>(dir: string, file: string, schema: z.ZodType<T>, issues: IssueList): Promise<Validated<T>> {
  const read = await readJson(dir, file, []);
  if (!read.ok) {
    issues.add(read.issue);
    return { records: [], at: [], ids: new Set() };
  }
  return validateArray(file, read.value, schema, issues);
}

/** Flags duplicates of `keyOf` (case-insensitive) within one file. */
function checkUnique<T>(
  file: string,
  v: Validated<T>,
  field: string,
  keyOf: (r: T) => string,
  issues: IssueList,
): void {
  const seen = new Map<string, number>();
  v.records.forEach((r, k) => {
    const key = keyOf(r).toLowerCase();
    const first = seen.get(key);
    const i = v.at[k] ?? k;
    if (first === undefined) seen.set(key, i);
    else
      issues.add({
        file,
        path: `${i}.${field}`,
        message: `duplicates record ${first} (${field} must be unique, case-insensitively)`,
      });
  });
}

function checkReferences<T extends { userId: string }>(
  file: string,
  v: Validated<T>,
  userIds: Set<string>,
  issues: IssueList,
): void {
  v.records.forEach((r, k) => {
    if (!userIds.has(r.userId.toLowerCase()))
      issues.add({ file, path: `${v.at[k] ?? k}.userId`, message: `no user ${r.userId} in ${FILES.users}` });
  });
}

async function readSmallTables(dir: string, issues: IssueList): Promise<SmallTables & { userIds: Set<string> }> {
  const users = await readArray(dir, FILES.users, userSchema, issues);
  const sessions = await readArray(dir, FILES.sessions, sessionSchema, issues);
  const apiTokens = await readArray(dir, FILES.apiTokens, apiTokenSchema, issues);
  const usage = await readArray(dir, FILES.usage, usageSchema, issues);
  checkUnique(FILES.users, users, 'id', (u) => u.id, issues);
  checkUnique(FILES.users, users, 'email', (u) => u.email, issues);
  checkUnique(FILES.users, users, 'username', (u) => u.username, issues);
  checkUnique(FILES.sessions, sessions, 'id', (s) => s.id, issues);
  checkUnique(FILES.sessions, sessions, 'tokenHash', (s) => s.tokenHash, issues);
  checkUnique(FILES.apiTokens, apiTokens, 'id', (t) => t.id, issues);
  checkUnique(FILES.apiTokens, apiTokens, 'tokenHash', (t) => t.tokenHash, issues);
  checkUnique(FILES.usage, usage, 'userId', (u) => u.userId, issues);
  checkReferences(FILES.sessions, sessions, users.ids, issues);
  checkReferences(FILES.apiTokens, apiTokens, users.ids, issues);
  checkReferences(FILES.usage, usage, users.ids, issues);
  return {
    users: users.records,
    sessions: sessions.records,
    apiTokens: apiTokens.records,
    usage: usage.records,
    userIds: users.ids,
  };
}

function addSmallChecksums(small: SmallTables, sums: Checksums): void {
  const add = (name: TableName, cells: SourceCell[]): void =>
    addRow(sums[name], canonicalFromSource(TABLES[name], cells));
  small.users.forEach((r) => add('users', userCells(r)));
  small.usage.forEach((r) => add('usage', usageCells(r)));
  small.sessions.forEach((r) => add('sessions', sessionCells(r)));
  small.apiTokens.forEach((r) => add('apiTokens', apiTokenCells(r)));
}

/** How the import numbers message rows across a whole source: row uuids handed out, the last seq. */
export interface RowNumbering {
  rowIds: Set<string>;
  lastSeq: number;
}

export const newRowNumbering = (): RowNumbering => ({ rowIds: new Set(), lastSeq: 0 });

/**
 * A message row's internal uuid: its id when that is a UUID no earlier row of the source has
 * (so server-made ids read the same to the data tools), else one derived from the conversation
 * and message ids (the same on every run, so a re-import finds its rows).
 */
function rowIdOf(conversationId: string, messageId: string, taken: Set<string>): string {
  const own = messageId.toLowerCase();
  if (isUuid(messageId) && !taken.has(own)) return own;
  const h = createHash('sha256').update(`${conversationId.toLowerCase()}/${messageId}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The messages of a conversation in list order (createdAt, then seq; a version-1 file's seq is its place). */
function inListOrder(conv: ConversationFile): FileMessage[] {
  const withSeq = conv.messages.map((m, i) => ({ m, seq: m.seq ?? i + 1, i }));
  withSeq.sort((a, b) =>
    a.m.createdAt < b.m.createdAt ? -1 : a.m.createdAt > b.m.createdAt ? 1 : a.seq - b.seq || a.i - b.i,
  );
  return withSeq.map((x) => x.m);
}

/**
 * The conversation row and message rows of one file, as canonical source cells; with a numbering
 * (an import), also the messages' stored cells for COPY.
 */
export function conversationRows(
  conv: ConversationFile,
  numbering?: RowNumbering,
): { conversation: SourceCell[]; messages: SourceCell[][]; messageRows: SourceCell[][] } {
  const messages: SourceCell[][] = [];
  const messageRows: SourceCell[][] = [];
  inListOrder(conv).forEach((m, i) => {
    const rowId = numbering ? rowIdOf(conv.id, m.id, numbering.rowIds) : '';
    numbering?.rowIds.add(rowId);
    const message: SourceMessage = {
      ...m,
      conversationId: conv.id,
      rowId,
      position: i + 1,
      seq: numbering ? (numbering.lastSeq += 1) : 0,
    };
    messages.push(messageCells(message, conv.userId));
    if (numbering) messageRows.push(messageRowCells(message, conv.userId));
  });
  return {
    conversation: conversationCells({ ...conv, messageCount: conv.messages.length }),
    messages,
    messageRows,
  };
}

/** Adds one conversation file's rows to the checksums and, when given, its COPY text to the spool. */
async function takeConversation(
  conv: ConversationFile,
  sums: Checksums,
  spool: Spool | undefined,
  numbering: RowNumbering,
  v1Sums: Checksums | null,
): Promise<void> {
  const rows = conversationRows(conv, spool && numbering);
  addRow(sums.conversations, canonicalFromSource(TABLES.conversations, rows.conversation));
  for (const m of rows.messages) addRow(sums.messages, canonicalFromSource(TABLES.messages, m));
  if (v1Sums) {
    const v1 = V1_MANIFEST_TABLES;
    addRow(v1Sums.conversations, canonicalFromSource(v1.conversations, v1Cells('conversations', rows.conversation)));
    for (const m of rows.messages) addRow(v1Sums.messages, canonicalFromSource(v1.messages, v1Cells('messages', m)));
  }
  if (!spool) return;
  await spool.write('conversations', copyLine(rows.conversation));
  let text = '';
  for (const m of rows.messageRows) text += copyLine(m);
  await spool.write('messages', text);
}

/** Reads and validates one conversation file; null (with issues added) when it is not valid. */
export async function readConversation(
  dir: string,
  name: string,
  issues: IssueList | null,
  extra?: Map<string, number>,
): Promise<ConversationFile | null> {
  const file = `${FILES.conversations}/${name}`;
  const read = await readJson(dir, file);
  if (!read.ok) {
    issues?.add(read.issue);
    return null;
  }
  if (extra && read.value !== null && typeof read.value === 'object' && !Array.isArray(read.value)) {
    for (const key of Object.keys(read.value))
      if (!CONVERSATION_KEYS.has(key)) extra.set(key, (extra.get(key) ?? 0) + 1);
  }
  let conv = quickConversation(read.value);
  if (!conv) {
    const parsed = conversationFileSchema.safeParse(read.value);
    if (!parsed.success) {
      issues?.add(...zodIssues(file, [], parsed.error.issues));
      return null;
    }
    conv = parsed.data;
  }
  if (name.toLowerCase() !== `${conv.id.toLowerCase()}.json`) {
    issues?.add({ file, path: 'id', message: `file name must be <id>.json (${conv.id}.json)` });
    return null;
  }
  return conv;
}

/** Adds `key` to `seen`, case-insensitively; false when it was there already. */
function addNew(seen: Set<string>, key: string): boolean {
  const lower = key.toLowerCase();
  if (seen.has(lower)) return false;
  seen.add(lower);
  return true;
}

/**
 * Checks references, that conversation ids are unique across all files (`seen`) and message ids
 * within their conversation (exactly, as the API and the unique index compare them).
 */
function checkConversation(
  file: string,
  conv: ConversationFile,
  userIds: Set<string>,
  seen: Set<string>,
  issues: IssueList,
): void {
  if (!userIds.has(conv.userId.toLowerCase()))
    issues.add({ file, path: 'userId', message: `no user ${conv.userId} in ${FILES.users}` });
  if (!addNew(seen, `c:${conv.id}`))
    issues.add({ file, path: 'id', message: `conversation ${conv.id} also appears in another file` });
  const ids = new Set<string>();
  conv.messages.forEach((m, i) => {
    if (ids.has(m.id))
      issues.add({
        file,
        path: `messages.${i}.id`,
        message: `message id ${m.id} appears more than once in this conversation`,
      });
    ids.add(m.id);
  });
}

type Manifest = { version?: unknown; checksums?: Record<string, ChecksumSummary> } | null;

/** The manifest.json of an export, when there is one (read again, and reported, by checkManifest). */
async function peekManifest(dir: string): Promise<Manifest> {
  const read = await readJson(dir, FILES.manifest, null);
  return read.ok ? (read.value as Manifest) : null;
}

/**
 * An export's manifest.json, when present, must describe exactly these files (else it was altered
 * or is partial). A version-1 manifest's conversations and messages checksums are of version-1
 * canonical rows (`v1Sums`).
 */
async function checkManifest(dir: string, sums: Checksums, v1Sums: Checksums | null, issues: IssueList): Promise<void> {
  const read = await readJson(dir, FILES.manifest, null);
  if (!read.ok) return issues.add(read.issue);
  const manifest = read.value as Manifest;
  if (manifest?.checksums === undefined) return;
  const actual = summarizeAll(
    v1Sums ? { ...sums, conversations: v1Sums.conversations, messages: v1Sums.messages } : sums,
  );
  for (const [name, summary] of Object.entries(actual)) {
    const expected = manifest.checksums[name];
    if (expected?.count !== summary.count || expected.checksum !== summary.checksum) {
      issues.add({
        file: FILES.manifest,
        path: `checksums.${name}`,
        message: `does not match the files (manifest ${expected?.count ?? '?'} rows ${expected?.checksum ?? '?'}, files ${summary.count} rows ${summary.checksum}): the export was modified or is incomplete. Restore from an intact backup, or delete manifest.json to import the files as they are`,
      });
    }
  }
}

/**
 * Validates a whole directory and computes its checksums; with a spool, also encodes the
 * conversations' rows for COPY. Throws only when `dir` is not a directory.
 */
export async function scanSource(dir: string, progress?: Progress, spool?: Spool): Promise<SourceScan> {
  await assertDirectory(dir);
  const issues = new IssueList();
  const meta = await readJson(dir, FILES.meta);
  if (!meta.ok)
    issues.add({
      ...meta.issue,
      message: `${meta.issue.message} (a JSON store directory has ${FILES.meta} with {"format":"threadbase","version":1})`,
    });
  else {
    const parsed = metaSchema.safeParse(meta.value);
    if (!parsed.success) issues.add(...zodIssues(FILES.meta, [], parsed.error.issues));
  }
  const { userIds, ...small } = await readSmallTables(dir, issues);
  const checksums = emptyChecksums();
  addSmallChecksums(small, checksums);
  const conversationFiles = await listConversationFiles(dir);
  const extra = new Map<string, number>();
  const seen = new Set<string>();
  const numbering = newRowNumbering();
  const v1Sums = (await peekManifest(dir))?.version === 1 ? emptyChecksums() : null;
  progress?.start('validate', conversationFiles.length, 'files');
  for (const name of conversationFiles) {
    const conv = await readConversation(dir, name, issues, extra);
    if (conv) {
      checkConversation(`${FILES.conversations}/${name}`, conv, userIds, seen, issues);
      await takeConversation(conv, checksums, spool, numbering, v1Sums);
    }
    progress?.tick(1);
  }
  progress?.done();
  await spool?.finish();
  await checkManifest(dir, checksums, v1Sums, issues);
  const skipped = await skippedTopLevel(dir);
  for (const [key, n] of extra)
    skipped.push(`field "${key}" in ${n} conversation file(s) (transient/unknown, not imported)`);
  return { dir, small, conversationFiles, checksums, issues: issues.kept, issueCount: issues.count, skipped };
}
