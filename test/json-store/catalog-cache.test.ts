/**
 * The JSON store's catalog is a cache (lib/store/json/catalog.ts, change-journal.ts): whatever
 * happens to the change journal, or to the files behind its back, what a store answers must be
 * what the files say. Two store instances on one directory stand for two processes (each has its
 * own catalog and its own lock acquisitions).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { DEFAULT_USAGE_LIMITS } from '../../lib/config.js';
import { writeJsonAtomic } from '../../lib/store/json/atomic-file.js';
import { JOURNAL_NAME } from '../../lib/store/json/change-journal.js';
import { createJsonStore } from '../../lib/store/json/index.js';
import type { Store, UserRecord } from '../../lib/store/types.js';
import { tempDataDir } from '../helpers/backends.js';
import { expectAppError } from '../helpers/contract.js';
import { makeConversation, makeUser, newMessage, now } from '../helpers/factories.js';

let dataDir: string;
let a: Store;
let b: Store;
let user: UserRecord;

beforeEach(async () => {
  dataDir = await tempDataDir();
  a = createJsonStore({ dataDir });
  b = createJsonStore({ dataDir });
  user = await makeUser(a);
});
afterEach(async () => {
  await Promise.all([a.close(), b.close()]);
  await fs.rm(dataDir, { recursive: true, force: true });
});

const journal = (): string => path.join(dataDir, JOURNAL_NAME);
const file = (id: string): string => path.join(dataDir, 'conversations', `${id}.json`);
const titles = async (store: Store): Promise<string[]> =>
  (await store.listConversations(user.id, { limit: 50 })).items.map((c) => c.title);
const searchIds = async (store: Store, q: string): Promise<string[]> =>
  (await store.searchMessages({ userId: user.id, q }, { limit: 50 })).items.map((h) => h.message.id);

/** Primes `a`'s catalog and word index with two conversations. */
async function primed(): Promise<{ first: string; second: string }> {
  const first = (await makeConversation(a, user.id, { title: 'first' })).id;
  const second = (await makeConversation(a, user.id, { title: 'second' })).id;
  await a.appendMessage(user.id, newMessage(first, { content: 'an old harbour' }));
  expect(await titles(a)).toEqual(['first', 'second']);
  expect(await searchIds(a, 'harbour')).toHaveLength(1);
  return { first, second };
}

test("another process's creates, appends, renames, deletes and keys are seen by list, search and keyed writes", async () => {
  const { first, second } = await primed();
  const created = await b.createConversation({
    id: crypto.randomUUID(),
    userId: user.id,
    title: 'third',
    createdAt: now(),
  });
  const key = { key: 'k-1', requestHash: 'h-1', now: now() };
  const message = newMessage(second, { content: 'a lighthouse keeper' });
  const appended = await b.appendMessage(user.id, message, { idempotency: key });
  await b.updateConversation(user.id, first, { title: 'first, renamed' }, now());
  await b.deleteConversation(user.id, created.value.id);

  expect(await titles(a)).toEqual(['first, renamed', 'second']);
  expect(await searchIds(a, 'lighthouse')).toEqual([appended.value.id]);
  const replay = await a.appendMessage(user.id, { ...message, id: crypto.randomUUID() }, { idempotency: key });
  expect(replay).toEqual({ value: appended.value, replayed: true });
  await expectAppError(
    a.appendMessage(user.id, newMessage(second), { idempotency: { ...key, requestHash: 'other' } }),
    { status: 409, code: 'conflict' },
  );
});

test('a file changed by a writer that keeps no journal (an older version, or a crash before its line) is seen', async () => {
  const { first, second } = await primed();
  const raw = JSON.parse(await fs.readFile(file(first), 'utf8')) as {
    title: string;
    messages: Array<{ content: string }>;
  };
  raw.title = 'changed behind its back';
  raw.messages[0]!.content = 'a new lighthouse';
  await writeJsonAtomic(file(first), raw);
  expect(await titles(a)).toContain('changed behind its back');
  expect(await searchIds(a, 'lighthouse')).toHaveLength(1);
  expect(await searchIds(a, 'harbour')).toEqual([]);
  // Journaled writes after the gap are followed again.
  await b.updateConversation(user.id, second, { title: 'second, renamed' }, now());
  expect(await titles(a)).toEqual(['second, renamed', 'changed behind its back']);
});

test('a removed journal, or one with a torn or damaged line, does not hide writes', async () => {
  const { first, second } = await primed();
  await fs.rm(journal());
  await b.updateConversation(user.id, first, { title: 'after removal' }, now());
  expect(await titles(a)).toContain('after removal');

  await fs.appendFile(journal(), '{"id":"torn');
  await b.updateConversation(user.id, second, { title: 'after a torn line' }, now());
  expect(await titles(a)).toContain('after a torn line');
  // The next writer replaced the torn journal rather than appending to the broken line.
  for (const line of (await fs.readFile(journal(), 'utf8')).trimEnd().split('\n'))
    expect(() => JSON.parse(line) as unknown).not.toThrow();

  await fs.appendFile(journal(), 'not json at all\n');
  await b.appendMessage(user.id, newMessage(first, { content: 'lighthouse after damage' }));
  expect(await searchIds(a, 'lighthouse')).toHaveLength(1);
});

test('a journal line that does not chain to the directory it describes cannot hide a change', async () => {
  const { first } = await primed();
  const raw = JSON.parse(await fs.readFile(file(first), 'utf8')) as { title: string };
  await writeJsonAtomic(file(first), { ...raw, title: 'hidden?' });
  // A line naming another file, claiming to lead from the old directory to the current one.
  await fs.appendFile(journal(), `${JSON.stringify({ id: crypto.randomUUID(), before: 'x', after: 'y' })}\n`);
  expect(await titles(a)).toContain('hidden?');
});

test('a new store instance (a restart) rebuilds everything from the files', async () => {
  const { first } = await primed();
  await fs.writeFile(journal(), 'garbage');
  const fresh = createJsonStore({ dataDir });
  try {
    expect(await titles(fresh)).toEqual(['first', 'second']);
    expect(await searchIds(fresh, 'harbour')).toHaveLength(1);
    await fresh.appendMessage(user.id, newMessage(first, { content: 'lighthouse' }));
    expect(await searchIds(a, 'lighthouse')).toHaveLength(1);
  } finally {
    await fresh.close();
  }
});

test('search answers the same with conversations kept in memory and with all of them read from files', async () => {
  const small = createJsonStore({ dataDir, cacheBytes: 1 });
  try {
    const c1 = (await makeConversation(a, user.id)).id;
    const c2 = (await makeConversation(a, user.id)).id;
    const contents = [
      'Light-house keepers, ahoy!',
      'the lighthouse LIGHTHOUSE lighthouse',
      'naïve Straße ΣΊΣΥΦΟΣ',
      'tab\tseparated\nlines of (light)',
      'e.g. foo-bar baz',
    ];
    for (const [i, content] of contents.entries())
      await a.appendMessage(user.id, newMessage(i % 2 ? c1 : c2, { content, role: i % 3 ? 'user' : 'assistant' }));
    for (const q of [
      'light',
      'LIGHTHOUSE ahoy',
      'house',
      'straße',
      'σίσυφος',
      'sis',
      '(light)',
      'g. foo-bar',
      'o-b',
      'x',
    ]) {
      for (const role of [undefined, 'user' as const]) {
        const query = { userId: user.id, q, role };
        const cached = await a.searchMessages(query, { limit: 2 });
        expect(await small.searchMessages(query, { limit: 2 }), q).toEqual(cached);
        const last = cached.items.at(-1);
        if (!last) continue;
        const after = {
          rank: last.rank,
          createdAt: last.message.createdAt,
          conversationId: last.message.conversationId,
          id: last.message.id,
        };
        expect(await small.searchMessages(query, { limit: 50, after }), q).toEqual(
          await a.searchMessages(query, { limit: 50, after }),
        );
      }
    }
  } finally {
    await small.close();
  }
});

test('a conversation may not outgrow the size limit: 413, nothing written; shrinking and renaming still work', async () => {
  const limited = createJsonStore({ dataDir, maxConversationBytes: 5000 });
  try {
    const id = (await makeConversation(limited, user.id)).id;
    const big = 'x'.repeat(1500);
    await limited.appendMessage(user.id, newMessage(id, { content: big }));
    await limited.appendMessage(user.id, newMessage(id, { content: big }));
    const refused = newMessage(id, { content: big });
    const usedBefore = (await limited.getUsage(user.id, now())).totalUsed;
    const quota = { limits: DEFAULT_USAGE_LIMITS, now: now() };
    const error = await expectAppError(limited.appendMessage(user.id, refused, { quota }), {
      status: 413,
      code: 'payload_too_large',
    });
    // Refused before the quota is charged.
    expect((await limited.getUsage(user.id, now())).totalUsed).toBe(usedBefore);
    expect(error.message).toContain('JSON_STORE_MAX_CONVERSATION_MB');
    const page = await limited.listMessages(user.id, id, { limit: 10 });
    expect(page?.items.map((m) => m.id)).not.toContain(refused.id);
    expect(page?.items).toHaveLength(2);
    await expectAppError(limited.replaceMessages(user.id, id, [...page!.items, refused], { now: now() }), {
      status: 413,
      code: 'payload_too_large',
    });

    // A store with a higher limit (or none) fills it past this one's limit: the smaller one may still tidy it up.
    await a.appendMessage(user.id, newMessage(id, { content: big }));
    expect(await limited.updateConversation(user.id, id, { title: 'renamed over the limit' }, now())).toMatchObject({
      title: 'renamed over the limit',
    });
    expect(await limited.deleteMessage(user.id, id, page!.items[0]!.id, now())).toBe(true);
    await limited.appendMessage(user.id, newMessage(id, { content: 'small' }));
  } finally {
    await limited.close();
  }
});
