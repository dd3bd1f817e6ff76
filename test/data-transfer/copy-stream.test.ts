/**
 * The messages COPY that stays open while an import into an empty database scans: a scan that
 * fails midway cancels it (so the transaction rolls back instead of waiting on an open COPY),
 * PostgreSQL's refusal of a row surfaces when it ends, and the conversations follow from the spool.
 */
import { describe, expect, it } from 'vitest';
import { TABLES, copyLine, type SourceCell } from '../../lib/data-transfer/canonical-row.js';
import { StreamingCopy } from '../../lib/data-transfer/copy-stream.js';
import { withForeignKeysDeferred } from '../../lib/data-transfer/foreign-keys.js';
import { Spool } from '../../lib/data-transfer/spool.js';
import { counts, useScratch } from './helpers.js';

const USER = '00000000-0000-4000-8000-000000000001';
const CONVERSATION = '00000000-0000-4000-8000-0000000000c1';
const TS = '2026-01-01T00:00:00.000Z';

const conversationLine = copyLine([CONVERSATION, USER, 'title', TS, TS, 2, 0]);
const messageLine = (n: number, id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`): string =>
  copyLine([id, id, CONVERSATION, USER, 'user', `message ${n}`, null, {}, TS, null, n] as SourceCell[]);

describe('the streaming messages COPY', () => {
  const s = useScratch();

  async function withStream(work: (stream: StreamingCopy) => Promise<void>): Promise<void> {
    const spool = await Spool.open();
    try {
      await s.sql.begin((tx) =>
        withForeignKeysDeferred(tx, [TABLES.conversations.table, TABLES.messages.table], async () => {
          await tx`insert into users (id, email, username, display_name, password_hash, created_at, updated_at)
                     values (${USER}, 'u@example.com', 'u', 'U', 'x', now(), now())`;
          const stream = await StreamingCopy.open(tx, spool);
          await work(stream);
        }),
      );
    } finally {
      await spool.remove();
    }
  }

  it('loads the messages as they come and the spooled conversations after them', async () => {
    await withStream(async (stream) => {
      await stream.write('conversations', conversationLine);
      await stream.write('messages', messageLine(1) + messageLine(2));
      await stream.finish();
    });
    expect(await counts(s.sql)).toMatchObject({ users: 1, conversations: 1, messages: 2 });
  });

  it('a scan that fails midway cancels the COPY and the transaction rolls back', async () => {
    const failure = new Error('the scan failed');
    const attempt = withStream(async (stream) => {
      await stream.write('conversations', conversationLine);
      await stream.write('messages', messageLine(1));
      stream.abort(failure);
      throw failure;
    });
    await expect(attempt).rejects.toBe(failure);
    expect(await counts(s.sql)).toMatchObject({ users: 0, conversations: 0, messages: 0 });
    const [row] = await s.sql<{ ok: number }[]>`select 1 as ok`;
    expect(row?.ok).toBe(1);
  });

  it("PostgreSQL's refusal of a row surfaces when the COPY ends", async () => {
    const attempt = withStream(async (stream) => {
      await stream.write('conversations', conversationLine);
      await stream.write('messages', messageLine(1) + messageLine(2, 'not-a-uuid'));
      await stream.finish();
    });
    await expect(attempt).rejects.toMatchObject({ code: '22P02' });
    expect(await counts(s.sql)).toMatchObject({ users: 0, messages: 0 });
  });
});
