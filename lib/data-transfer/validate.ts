/**
 * Pass one of an import (and the source side of verify): reads a JSON store directory, validates
 * every record (zod; conversation files first through a fast pre-check that accepts only what zod
 * accepts), checks references and id uniqueness across files, computes the source checksums and,
 * for an import, hands each valid conversation's rows as COPY text to a sink: the spool (a merge)
 * or COPY itself, while the scan goes on (an empty database). Conversation files are read one at
 * a time; only the set of ids seen so far grows with the number of messages.
 */
import { addRow, emptyChecksums, type Checksums } from './checksum.js';
import { TABLES, canonicalFromSource, copyLine, v1Cells, V1_MANIFEST_TABLES } from './canonical-row.js';
import { conversationRows, newRowNumbering, type RowNumbering } from './conversation-rows.js';
import { CONVERSATION_KEYS, FILES, conversationFileSchema, type ConversationFile, type SmallTables } from './format.js';
import { checkManifest, hasV1Manifest } from './manifest-check.js';
import {
  listConversationFiles,
  readJson,
  skippedTopLevel,
  zodIssues,
  type Issue,
  type IssueList,
} from './source-dir.js';
import type { Progress } from './progress.js';
import { quickConversation } from './fast-check.js';
import { scanSmall, type SmallScan } from './small-tables.js';

/** Where an import's COPY text goes while the scan validates: the spool, or COPY itself. */
export interface RowSink {
  /** `rows`: how many rows `text` holds (one per line). */
  write(table: 'conversations' | 'messages', text: string, rows: number): Promise<void>;
  /** Called once, after the last file. */
  finish(): Promise<void>;
}

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

/** Adds one conversation file's rows to the checksums and, when given, its COPY text to the sink. */
async function takeConversation(
  conv: ConversationFile,
  sums: Checksums,
  sink: RowSink | undefined,
  numbering: RowNumbering,
  v1Sums: Checksums | null,
): Promise<void> {
  const rows = conversationRows(conv, sink && numbering);
  addRow(sums.conversations, canonicalFromSource(TABLES.conversations, rows.conversation));
  for (const m of rows.messages) addRow(sums.messages, canonicalFromSource(TABLES.messages, m));
  if (v1Sums) {
    const v1 = V1_MANIFEST_TABLES;
    addRow(v1Sums.conversations, canonicalFromSource(v1.conversations, v1Cells('conversations', rows.conversation)));
    for (const m of rows.messages) addRow(v1Sums.messages, canonicalFromSource(v1.messages, v1Cells('messages', m)));
  }
  if (!sink) return;
  await sink.write('conversations', copyLine(rows.conversation), 1);
  let text = '';
  for (const m of rows.messageRows) text += copyLine(m);
  await sink.write('messages', text, rows.messageRows.length);
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

export interface ScanOptions {
  progress?: Progress;
  /** The progress phase of the conversation files (default `validate`). */
  phase?: string;
  sink?: RowSink;
}

/**
 * The rest of a scan, after `scanSmall` (whose checksums and issues it adds to): every
 * conversation file, then the manifest. With a sink, each conversation's COPY text goes to it as
 * long as no issue has been found (after the first one, nothing more: the import will refuse the
 * source anyway, and COPY must not see an invalid row); a sink that fails stops the scan.
 */
export async function scanConversations(first: SmallScan, options: ScanOptions = {}): Promise<SourceScan> {
  const { dir, checksums, issues } = first;
  const { progress, sink } = options;
  const conversationFiles = await listConversationFiles(dir);
  const extra = new Map<string, number>();
  const seen = new Set<string>();
  const numbering = newRowNumbering();
  const v1Sums = (await hasV1Manifest(dir)) ? emptyChecksums() : null;
  progress?.start(options.phase ?? 'validate', conversationFiles.length, 'files');
  for (const name of conversationFiles) {
    const conv = await readConversation(dir, name, issues, extra);
    if (conv) {
      checkConversation(`${FILES.conversations}/${name}`, conv, first.userIds, seen, issues);
      await takeConversation(conv, checksums, issues.count === 0 ? sink : undefined, numbering, v1Sums);
    }
    progress?.tick(1);
  }
  await sink?.finish();
  progress?.done();
  await checkManifest(dir, checksums, v1Sums, issues);
  const skipped = await skippedTopLevel(dir);
  for (const [key, n] of extra)
    skipped.push(`field "${key}" in ${n} conversation file(s) (transient/unknown, not imported)`);
  return {
    dir,
    small: first.small,
    conversationFiles,
    checksums,
    issues: issues.kept,
    issueCount: issues.count,
    skipped,
  };
}

/** Validates a whole directory and computes its checksums (`scanSmall`, then `scanConversations`). */
export async function scanSource(dir: string, options: ScanOptions = {}): Promise<SourceScan> {
  return scanConversations(await scanSmall(dir), options);
}
