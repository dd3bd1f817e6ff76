/**
 * The first part of a scan: meta.json and the small record files (users, sessions, API tokens,
 * usage), read whole, validated (zod), checked for duplicates and dangling user references, and
 * checksummed. Conversation files follow in validate.ts.
 */
import type { z } from 'zod';
import { addRow, emptyChecksums, type Checksums } from './checksum.js';
import {
  TABLES,
  apiTokenCells,
  canonicalFromSource,
  sessionCells,
  usageCells,
  userCells,
  type SourceCell,
  type TableName,
} from './canonical-row.js';
import {
  FILES,
  apiTokenSchema,
  metaSchema,
  sessionSchema,
  usageSchema,
  userSchema,
  type SmallTables,
} from './format.js';
import { IssueList, assertDirectory, readJson, zodIssues } from './source-dir.js';

/** The first part of a scan: meta.json and the small record files, validated, with their checksums. */
export interface SmallScan {
  dir: string;
  small: SmallTables;
  userIds: Set<string>;
  checksums: Checksums;
  issues: IssueList;
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

/** Validates meta.json and the small record files and checksums them. Throws only when `dir` is not a directory. */
export async function scanSmall(dir: string): Promise<SmallScan> {
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
  return { dir, small, userIds, checksums, issues };
}
