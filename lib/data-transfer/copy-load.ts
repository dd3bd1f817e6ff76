/**
 * Bulk loading with COPY ... FROM STDIN (text format) through postgres.js's writable stream.
 * Rows are encoded in batches and written with backpressure (stream.pipeline), so memory holds
 * one batch, not the table. Also the row sources: the small tables from memory, conversations
 * and messages read again from the files one at a time.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors.js';
import { columnList, copyLine, TABLES, apiTokenCells, sessionCells, usageCells, userCells, type SourceCell, type TableName, type TableSpec } from './canonical-row.js';
import { FILES, type ConversationFile } from './format.js';
import { conversationRows } from './validate.js';
import type { SourceScan } from './validate.js';
import type { Tx } from './db.js';

/** COPYs `rows` into `table` (the spec's table or a staging copy of it); returns the row count. */
export async function copyInto(
  tx: Tx, spec: TableSpec, table: string, rows: AsyncIterable<SourceCell[]> | Iterable<SourceCell[]>,
  batchRows: number, onRows: (n: number) => void,
): Promise<number> {
  let total = 0;
  async function* batches(): AsyncGenerator<string> {
    let buffer = '';
    let pending = 0;
    for await (const cells of rows) {
      buffer += copyLine(cells);
      pending += 1;
      if (pending >= batchRows) {
        yield buffer;
        total += pending;
        onRows(pending);
        buffer = '';
        pending = 0;
      }
    }
    if (pending > 0) {
      yield buffer;
      total += pending;
      onRows(pending);
    }
  }
  const writable = await tx.unsafe(`copy "${table}" (${columnList(spec)}) from stdin`).writable();
  await pipeline(Readable.from(batches()), writable);
  return total;
}

/**
 * A conversation file read again for loading. Pass one already validated every file with zod and
 * the checksums are compared before COMMIT, so this pass only parses (a file changed in between
 * is caught by that comparison); the one default zod applied, metadata `{}`, is applied here too.
 */
async function loadConversation(dir: string, name: string): Promise<ConversationFile> {
  const file = join(dir, FILES.conversations, name);
  const raw = JSON.parse(await readFile(file, 'utf8')) as ConversationFile | null;
  if (raw === null || typeof raw !== 'object' || !Array.isArray(raw.messages)) {
    throw new AppError(409, 'conflict', `${file} changed while importing. Stop the application that writes to the data directory and re-run.`);
  }
  for (const m of raw.messages) m.metadata ??= {};
  return raw;
}

async function* conversationSource(dir: string, files: string[]): AsyncGenerator<SourceCell[]> {
  for (const name of files) yield conversationRows(await loadConversation(dir, name)).conversation;
}

async function* messageSource(dir: string, files: string[]): AsyncGenerator<SourceCell[]> {
  for (const name of files) yield* conversationRows(await loadConversation(dir, name)).messages;
}

/** The rows of one table of a validated source, as COPY cells. */
export function sourceRows(scan: SourceScan, name: TableName): AsyncIterable<SourceCell[]> | Iterable<SourceCell[]> {
  switch (name) {
    case 'users': return scan.small.users.map(userCells);
    case 'usage': return scan.small.usage.map(usageCells);
    case 'sessions': return scan.small.sessions.map(sessionCells);
    case 'apiTokens': return scan.small.apiTokens.map(apiTokenCells);
    case 'conversations': return conversationSource(scan.dir, scan.conversationFiles);
    case 'messages': return messageSource(scan.dir, scan.conversationFiles);
  }
}

export const specOf = (name: TableName): TableSpec => TABLES[name];
