/**
 * Every write of a conversation file goes through here, inside the write lock: it enforces the
 * per-conversation size limit, commits the file (atomically, fenced), appends the change to the
 * journal (change-journal.ts) and updates this process's catalog in place (catalog.ts).
 *
 * The size limit (JSON_STORE_MAX_CONVERSATION_MB, docs/decisions/0017): a message write that would
 * make a conversation file larger than the limit, and larger than it is now, is refused with
 * `413 payload_too_large` before anything is written. Deleting messages, renaming and archiving
 * always pass, so a conversation over the limit (e.g. one written before the limit was lowered)
 * can still be cleaned up.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../errors.js';
import { logger } from '../../log.js';
import { isNoEntry, statIdentity } from './atomic-file.js';
import { recordOwnWrite, type Catalog, type OwnWrite } from './catalog.js';
import { appendEntry, dirIdentity } from './change-journal.js';
import type { DataDir } from './data-dir.js';
import type { StoredConversation } from './format.js';

export const DEFAULT_MAX_CONVERSATION_BYTES = 8 * 1024 * 1024;

export interface ConversationFiles {
  data: DataDir;
  catalog: Catalog;
  /** The per-conversation size limit, in bytes of its file. */
  maxConversationBytes: number;
}

export function filePath(files: ConversationFiles, id: string): string {
  return path.join(files.data.conversationsDir, `${id}.json`);
}

export function conversationTooLarge(limitBytes: number, bytes: number): AppError {
  const mib = (n: number): string => (n / 1024 / 1024).toFixed(1);
  return new AppError(
    413,
    'payload_too_large',
    `This conversation would take ${mib(bytes)} MiB, over this server's limit of ${mib(limitBytes)} MiB per ` +
      'conversation (JSON_STORE_MAX_CONVERSATION_MB). Start a new conversation or delete messages from this one.',
  );
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch (error) {
    if (isNoEntry(error)) return 0;
    throw error;
  }
}

/**
 * The conversation's file text, checked against the size limit: throws 413 when it would make the
 * file larger than the limit and than it is now. Call before charging quota for the write.
 */
export async function fittingText(files: ConversationFiles, conversation: StoredConversation): Promise<string> {
  const text = `${JSON.stringify(conversation, null, 2)}\n`;
  const bytes = Buffer.byteLength(text);
  if (bytes > files.maxConversationBytes && bytes > (await sizeOf(filePath(files, conversation.id))))
    throw conversationTooLarge(files.maxConversationBytes, bytes);
  return text;
}

/**
 * Writes the conversation's file (inside `data.write`). `text`: from fittingText; without it the
 * limit is checked here, unless `limited` is false (changes of the conversation's own fields,
 * which are always allowed).
 */
export async function commitConversation(
  files: ConversationFiles,
  conversation: StoredConversation,
  { limited = true, text }: { limited?: boolean; text?: string } = {},
): Promise<void> {
  const file = filePath(files, conversation.id);
  const content =
    text ?? (limited ? await fittingText(files, conversation) : `${JSON.stringify(conversation, null, 2)}\n`);
  await recorded(files, conversation.id, async () => {
    await files.data.writeText(file, content);
    const identity = await statIdentity(file);
    return identity === null ? null : { conversation, identity, bytes: content.length };
  });
}

/** Removes the conversation's file (inside `data.write`); false when it did not exist. */
export async function removeConversation(files: ConversationFiles, id: string): Promise<boolean> {
  let removed = false;
  await recorded(files, id, async () => {
    removed = await files.data.removeFile(filePath(files, id));
    return null;
  });
  return removed;
}

/** Runs one commit between two stats of the directory, then journals it and updates the catalog. */
async function recorded(
  files: ConversationFiles,
  id: string,
  commit: () => Promise<OwnWrite['written']>,
): Promise<void> {
  const dir = files.data.conversationsDir;
  const before = await dirIdentity(dir);
  const written = await commit();
  const after = await dirIdentity(dir);
  let journal: OwnWrite['journal'] = null;
  if (before !== null && after !== null) {
    // Best effort: the write is committed; without its line other processes fall back to a full scan.
    journal = await appendEntry(files.catalog.journal, { id, before, after }, (text) =>
      files.data.writeText(files.catalog.journal, text),
    ).catch((error: unknown) => {
      logger.warn('change journal not appended (other processes will re-scan the conversations)', { error });
      return null;
    });
  }
  await recordOwnWrite(files.catalog, { id, written, before, after, journal });
}
