/**
 * Loading a source into an empty database (a fresh one, data:restore, or restore --force after its
 * TRUNCATE), inside the import's transaction: the small tables by COPY, then every conversation
 * file validated and COPYed in one pass, reading and validating the next files while PostgreSQL
 * stores the previous batch (copy-pipe.ts), with the loaded tables' foreign keys dropped around the
 * load and re-added after it (foreign-keys.ts). The rows PostgreSQL gets are encoded from the very
 * objects that were validated and checksummed; the first invalid record stops the sending, the
 * scan goes on to report every issue, and the caller rolls back. What it buys: docs/decisions/0018.
 */
import { TABLES, TABLE_ORDER } from './canonical-row.js';
import { copyInto, smallTableStream, type SmallTableName } from './copy-load.js';
import { StreamingCopy } from './copy-stream.js';
import type { Tx } from './db.js';
import { withForeignKeysDeferred } from './foreign-keys.js';
import type { Progress } from './progress.js';
import type { SmallScan } from './small-tables.js';
import { Spool } from './spool.js';
import { scanConversations, type SourceScan } from './validate.js';

const SMALL_TABLES: readonly SmallTableName[] = ['users', 'usage', 'sessions', 'apiTokens'];
const LOADED_TABLES = TABLE_ORDER.map((n) => TABLES[n].table);

async function copySmallTables(tx: Tx, first: SmallScan, batchRows: number, progress: Progress): Promise<void> {
  for (const name of SMALL_TABLES) {
    progress.start(`load ${name}`, first.checksums[name].count, 'rows');
    await copyInto(tx, TABLES[name], TABLES[name].table, smallTableStream(first.small, name, batchRows), (n) =>
      progress.tick(n),
    );
    progress.done();
  }
}

/**
 * Loads the source whose small tables `first` holds; `accept` sees the complete scan before
 * anything is finished (it throws to refuse an invalid source). Returns the scan.
 */
export async function loadIntoEmpty(
  tx: Tx,
  first: SmallScan,
  batchRows: number,
  progress: Progress,
  accept: (scan: SourceScan) => void,
): Promise<SourceScan> {
  return withForeignKeysDeferred(tx, LOADED_TABLES, async () => {
    const valid = first.issues.count === 0;
    if (valid) await copySmallTables(tx, first, batchRows, progress);
    const spool = await Spool.open();
    const sink = valid ? await StreamingCopy.open(tx, spool) : undefined;
    let scan: SourceScan;
    try {
      scan = await scanConversations(first, { progress, phase: 'validate and load messages', sink });
    } catch (error) {
      sink?.abort(error);
      throw error;
    } finally {
      await spool.remove();
    }
    accept(scan);
    // The rows carry their seq (the source's list order); the identity continues after them.
    await tx.unsafe(
      `select setval(pg_get_serial_sequence('messages', 'seq'), (select coalesce(max(seq), 0) + 1 from messages), false)`,
    );
    return scan;
  });
}
