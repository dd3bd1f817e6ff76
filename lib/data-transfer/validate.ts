/**
 * Pass one of an import (and the source side of verify): reads a JSON store directory, validates
 * every record (zod; conversation files first through a fast pre-check that accepts only what zod
 * accepts), checks references and id uniqueness across files, computes the source checksums and,
 * for an import, spools the rows as COPY text. Conversation files are read one at a time; only
 * the set of ids seen so far grows with the number of messages.
 */
import type { z } from 'zod';
import { addRow, emptyChecksums, summarizeAll, type ChecksumSummary, type Checksums } from './checksum.js';
import {
  TABLES,
  apiTokenCells,
  canonicalFromSource,
  copyLine,
  conversationCells,
  messageCells,
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

/** The conversation row and message rows of one file, as source cells. */
export function conversationRows(conv: ConversationFile): { conversation: SourceCell[]; messages: SourceCell[][] } {
  return {
    conversation: conversationCells({ ...conv, messageCount: conv.messages.length }),
    messages: conv.messages.map((m) => messageCells({ ...m, conversationId: conv.id }, conv.userId)),
  };
}

/** Adds one conversation file's rows to the checksums and, when given, its COPY text to the spool. */
async function takeConversation(conv: ConversationFile, sums: Checksums, spool: Spool | undefined): Promise<void> {
  const rows = conversationRows(conv);
  addRow(sums.conversations, canonicalFromSource(TABLES.conversations, rows.conversation));
  for (const m of rows.messages) addRow(sums.messages, canonicalFromSource(TABLES.messages, m));
  if (!spool) return;
  await spool.write('conversations', copyLine(rows.conversation));
  let text = '';
  for (const m of rows.messages) text += copyLine(m);
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

/** Checks references and that ids are unique across all files (`seen` holds conversation and message ids). */
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
  conv.messages.forEach((m, i) => {
    if (!addNew(seen, `m:${m.id}`))
      issues.add({
        file,
        path: `messages.${i}.id`,
        message: `message id ${m.id} appears more than once (in this or another conversation file)`,
      });
  });
}

/** An export's manifest.json, when present, must describe exactly these files (else it was altered or is partial). */
async function checkManifest(dir: string, sums: Checksums, issues: IssueList): Promise<void> {
  const read = await readJson(dir, FILES.manifest, null);
  if (!read.ok) return issues.add(read.issue);
  const manifest = read.value as { checksums?: Record<string, ChecksumSummary> } | null;
  if (manifest?.checksums === undefined) return;
  const actual = summarizeAll(sums);
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
  progress?.start('validate', conversationFiles.length, 'files');
  for (const name of conversationFiles) {
    const conv = await readConversation(dir, name, issues, extra);
    if (conv) {
      checkConversation(`${FILES.conversations}/${name}`, conv, userIds, seen, issues);
      await takeConversation(conv, checksums, spool);
    }
    progress?.tick(1);
  }
  progress?.done();
  await spool?.finish();
  await checkManifest(dir, checksums, issues);
  const skipped = await skippedTopLevel(dir);
  for (const [key, n] of extra)
    skipped.push(`field "${key}" in ${n} conversation file(s) (transient/unknown, not imported)`);
  return { dir, small, conversationFiles, checksums, issues: issues.kept, issueCount: issues.count, skipped };
}
