/**
 * COPY fed while the scan validates, for a load into an empty database: one `COPY messages`
 * statement stays open for the whole scan and each valid conversation's message rows are written
 * to it as soon as they are encoded, so PostgreSQL stores them while the scan reads and validates
 * the next files (backpressure: the scan waits when the socket is full, so memory holds a file,
 * not the source). The conversation rows go to the spool meanwhile (one connection runs one COPY
 * at a time) and are COPYed when the messages are in; the foreign keys that would want them first
 * are dropped for the load (foreign-keys.ts). What it buys: docs/decisions/0018.
 */
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { TABLES, columnList } from './canonical-row.js';
import { copyInto } from './copy-load.js';
import type { Tx } from './db.js';
import type { Spool } from './spool.js';
import type { RowSink } from './validate.js';

/** Spooled conversation rows are read back in chunks of this many bytes. */
const CONVERSATION_CHUNK = 1 << 20;

export class StreamingCopy implements RowSink {
  /** The stream's error (a dropped connection, a cancelled COPY), kept so that no 'error' event goes unheard. */
  private failure: Error | null = null;

  private constructor(
    private readonly tx: Tx,
    private readonly spool: Spool,
    private readonly messages: Writable,
  ) {
    messages.on('error', (error: Error) => (this.failure ??= error));
  }

  /** Starts the messages COPY; nothing else may run on `tx` until `finish`. */
  static async open(tx: Tx, spool: Spool): Promise<StreamingCopy> {
    const spec = TABLES.messages;
    const writable = await tx.unsafe(`copy "${spec.table}" (${columnList(spec)}) from stdin`).writable();
    return new StreamingCopy(tx, spool, writable);
  }

  async write(table: 'conversations' | 'messages', text: string): Promise<void> {
    if (this.failure) throw this.failure;
    if (table === 'conversations') return this.spool.write('conversations', text);
    if (text !== '' && !this.messages.write(text)) await once(this.messages, 'drain');
  }

  /** Cancels an unfinished messages COPY (CopyFail), so the connection can roll back after a failed scan. */
  abort(error: unknown): void {
    if (!this.messages.destroyed) this.messages.destroy(error instanceof Error ? error : new Error(String(error)));
  }

  /** Ends the messages COPY (PostgreSQL's refusal of any row surfaces here), then COPYs the conversations. */
  async finish(): Promise<void> {
    this.messages.end();
    await finished(this.messages);
    await this.spool.finish();
    const spec = TABLES.conversations;
    await copyInto(this.tx, spec, spec.table, this.spool.read('conversations', CONVERSATION_CHUNK), () => undefined);
  }
}
