/**
 * COPY text spooled to temporary files during validation. The pass that validates each
 * conversation file also encodes its rows once, so loading streams exactly the bytes that were
 * validated and checksummed (no second parse, and no window in which a file could change between
 * validating and loading). Memory stays bounded: rows go to disk as they are produced, with
 * backpressure. The files live in the OS temp directory and are removed by `remove()`.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export type SpooledTable = 'conversations' | 'messages';

export class Spool {
  private readonly streams: Record<SpooledTable, WriteStream>;

  private constructor(readonly dir: string) {
    this.streams = {
      conversations: createWriteStream(join(dir, 'conversations.copy')),
      messages: createWriteStream(join(dir, 'messages.copy')),
    };
  }

  static async open(): Promise<Spool> {
    return new Spool(await mkdtemp(join(tmpdir(), 'threadbase-import-')));
  }

  /** Appends COPY text, waiting when the disk falls behind. */
  async write(table: SpooledTable, text: string): Promise<void> {
    if (!this.streams[table].write(text)) await once(this.streams[table], 'drain');
  }

  /** Flushes and closes the files; call before reading them. */
  async finish(): Promise<void> {
    for (const stream of Object.values(this.streams)) {
      stream.end();
      await once(stream, 'close');
    }
  }

  read(table: SpooledTable): Readable {
    return createReadStream(join(this.dir, `${table}.copy`), { highWaterMark: 256 * 1024 });
  }

  async remove(): Promise<void> {
    for (const stream of Object.values(this.streams)) stream.destroy();
    await rm(this.dir, { recursive: true, force: true });
  }
}
