/**
 * COPY text spooled to temporary files during validation. The pass that validates each
 * conversation file also encodes its rows once, so loading streams exactly the bytes that were
 * validated and checksummed (no second parse, and no window in which a file could change between
 * validating and loading). Memory stays bounded: rows go to disk as they are produced, with
 * backpressure. The files live in the OS temp directory (named after the pid) and are removed by
 * `remove()`, at exit, or by the next import when their process is gone.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { isProcessAlive } from '../store/json/atomic-file.js';

export type SpooledTable = 'conversations' | 'messages';

const PREFIX = 'threadbase-import-';
const SPOOL_NAME = /^threadbase-import-(\d+)-/;

async function removeDeadSpools(): Promise<void> {
  for (const name of await readdir(tmpdir())) {
    const pid = SPOOL_NAME.exec(name)?.[1];
    if (pid !== undefined && !isProcessAlive(Number(pid)))
      await rm(join(tmpdir(), name), { recursive: true, force: true });
  }
}

export class Spool {
  private readonly streams: Record<SpooledTable, WriteStream>;
  /**
   * A file stream's first error (disk full, or a write still in flight when remove() destroyed
   * the stream): kept here and thrown by the next write() or finish(), never left as an 'error'
   * event without a listener, which would end the process.
   */
  private failure: Error | undefined;

  // A process that exits early (Ctrl-C through the scripts' signal handlers, an uncaught error)
  // still removes its spool; only SIGKILL leaves one behind in the temp directory.
  private readonly removeOnExit = (): void => rmSync(this.dir, { recursive: true, force: true });

  private constructor(readonly dir: string) {
    process.once('exit', this.removeOnExit);
    this.streams = {
      conversations: createWriteStream(join(dir, 'conversations.copy')),
      messages: createWriteStream(join(dir, 'messages.copy')),
    };
    for (const stream of Object.values(this.streams)) stream.on('error', (error) => (this.failure ??= error));
  }

  /** Creates a spool, first removing spools left by importers that were killed (SIGKILL). */
  static async open(): Promise<Spool> {
    await removeDeadSpools();
    return new Spool(await mkdtemp(join(tmpdir(), `${PREFIX}${process.pid}-`)));
  }

  /** Appends COPY text, waiting when the disk falls behind. */
  async write(table: SpooledTable, text: string): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.streams[table].write(text)) await once(this.streams[table], 'drain');
  }

  /** Flushes and closes the files; call before reading them. */
  async finish(): Promise<void> {
    if (this.failure) throw this.failure;
    for (const stream of Object.values(this.streams)) {
      stream.end();
      await once(stream, 'close');
    }
  }

  /** Streams a table's COPY text in chunks of about `chunkBytes`. */
  read(table: SpooledTable, chunkBytes: number): Readable {
    return createReadStream(join(this.dir, `${table}.copy`), { highWaterMark: chunkBytes });
  }

  /** Discards the spool; a write still in flight ends in `failure`, which nothing reads any more. */
  async remove(): Promise<void> {
    process.removeListener('exit', this.removeOnExit);
    for (const stream of Object.values(this.streams)) stream.destroy();
    await rm(this.dir, { recursive: true, force: true });
  }
}
