/**
 * Bulk loading with COPY ... FROM STDIN (text format) through postgres.js's writable stream, fed
 * by stream.pipeline (backpressure: memory holds a chunk, not a table). The small tables come from
 * memory; a merge's conversations and messages from the spool written while validating (a load
 * into an empty database sends those through copy-pipe.ts instead).
 */

/** The tables read whole into memory (everything but conversations and messages). */
export type SmallTableName = Exclude<TableName, 'conversations' | 'messages'>;
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  columnList,
  copyLine,
  apiTokenCells,
  sessionCells,
  usageCells,
  userCells,
  type SourceCell,
  type TableName,
  type TableSpec,
} from './canonical-row.js';
import type { SmallTables } from './format.js';
import type { Spool } from './spool.js';
import type { SourceScan } from './validate.js';
import type { Tx } from './db.js';

const NEWLINE = 0x0a;
/** --batch-size counts rows; spooled text is read in bytes, so a typical row's size converts one to the other. */
const SPOOL_BYTES_PER_ROW = 256;

function countRows(chunk: Buffer | string): number {
  let n = 0;
  let i = -1;
  if (typeof chunk === 'string') while ((i = chunk.indexOf('\n', i + 1)) !== -1) n++;
  else while ((i = chunk.indexOf(NEWLINE, i + 1)) !== -1) n++;
  return n;
}

/** COPYs the COPY-text `source` into `table` (the spec's table or a staging copy); returns the row count. */
export async function copyInto(
  tx: Tx,
  spec: TableSpec,
  table: string,
  source: Readable,
  onRows: (n: number) => void,
): Promise<number> {
  let total = 0;
  async function* counted(): AsyncGenerator<Buffer | string> {
    for await (const chunk of source) {
      const c = chunk as Buffer | string;
      const n = countRows(c);
      total += n;
      onRows(n);
      yield c;
    }
  }
  const writable = await tx.unsafe(`copy "${table}" (${columnList(spec)}) from stdin`).writable();
  await pipeline(counted, writable);
  return total;
}

function* batches(rows: SourceCell[][], batchRows: number): Generator<string> {
  for (let i = 0; i < rows.length; i += batchRows)
    yield rows
      .slice(i, i + batchRows)
      .map(copyLine)
      .join('');
}

/** A small table of a validated source as a stream of COPY text, in chunks of about `batchRows` rows. */
export function smallTableStream(small: SmallTables, name: SmallTableName, batchRows: number): Readable {
  switch (name) {
    case 'users':
      return Readable.from(batches(small.users.map(userCells), batchRows));
    case 'usage':
      return Readable.from(batches(small.usage.map(usageCells), batchRows));
    case 'sessions':
      return Readable.from(batches(small.sessions.map(sessionCells), batchRows));
    case 'apiTokens':
      return Readable.from(batches(small.apiTokens.map(apiTokenCells), batchRows));
  }
}

/** A table of a validated source as a stream of COPY text: the small ones from memory, the others from the spool. */
export function sourceStream(scan: SourceScan, spool: Spool, name: TableName, batchRows: number): Readable {
  if (name === 'conversations' || name === 'messages')
    return spool.read(name, Math.min(8 << 20, Math.max(16 << 10, batchRows * SPOOL_BYTES_PER_ROW)));
  return smallTableStream(scan.small, name, batchRows);
}
