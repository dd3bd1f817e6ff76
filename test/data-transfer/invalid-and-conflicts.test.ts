/**
 * What import refuses: invalid records (every one reported with file and path, NUL bytes
 * included, nothing written) and records that exist in the database with different content
 * (conflicts, nothing written). Also what it leaves out on purpose: the JSON store's transient
 * files and fields.
 */
import { describe, expect, it } from 'vitest';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateStore } from '../../bench/import/generate-store.js';
import { importDirectory } from '../../lib/data-transfer/import.js';
import type { ConversationFile } from '../../lib/data-transfer/format.js';
import type { UserRecord } from '../../lib/store/types.js';
import { counts, readJsonFile, useScratch, totalRows, writeJsonFile } from './helpers.js';

describe('data import refusals', () => {
  const s = useScratch();

  async function store(seed = 'a', messages = 200): Promise<string> {
    const dir = await s.dir(seed);
    await generateStore({ dir, messages, users: 2, messagesPerConversation: 20, seed });
    return dir;
  }

  async function firstConversation(dir: string): Promise<{ file: string; name: string; conv: ConversationFile }> {
    const [name] = (await readdir(join(dir, 'conversations'))).sort();
    const file = join(dir, 'conversations', name!);
    return { file, name: name!, conv: await readJsonFile<ConversationFile>(file) };
  }

  it('reports every invalid record with its file and path, including NUL bytes, and writes nothing', async () => {
    const dir = await s.dir('invalid');
    await generateStore({ dir, messages: 200, users: 3, messagesPerConversation: 20 });
    const users = await readJsonFile<UserRecord[]>(join(dir, 'users.json'));
    (users[0] as unknown as { email: number }).email = 42;
    users[1]!.createdAt = '2026-01-01 00:00:00';
    users.push({
      ...users[2]!,
      id: '0b0e3c1e-0000-4000-8000-000000000001',
      email: users[2]!.email.toUpperCase(),
      username: 'other',
    });
    await writeJsonFile(join(dir, 'users.json'), users);
    const { file, name, conv } = await firstConversation(dir);
    conv.messages[2]!.content = 'before\u0000after';
    conv.messages[3]!.metadata = { 'k\u0000ey': 'v' };
    conv.messages[4]!.metadata = { note: 'nul \u0000 inside' };
    (conv.messages[5] as unknown as { role: string }).role = 'robot';
    conv.messages[6]!.content = 'lone \ud800 surrogate';
    await writeJsonFile(file, conv);
    await writeFile(join(dir, 'conversations', 'not-json.json'), '{ broken');

    const report = await importDirectory(s.sql, s.db.url, { dir });
    expect(report.status).toBe('invalid');
    expect(report.ok).toBe(false);
    const where = report.issues.map((i) => `${i.file}@${i.path}`);
    const c = `conversations/${name}`;
    expect(where).toEqual(
      expect.arrayContaining([
        'users.json@0.email',
        'users.json@1.createdAt',
        'users.json@3.email',
        `${c}@messages.2.content`,
        `${c}@messages.3.metadata.k\u0000ey`,
        `${c}@messages.4.metadata.note`,
        `${c}@messages.5.role`,
        `${c}@messages.6.content`,
        'conversations/not-json.json@',
      ]),
    );
    expect(report.issues.find((i) => i.path === 'messages.2.content')?.message).toMatch(/NUL/);
    expect(report.issueCount).toBe(report.issues.length);
    // An invalid user is reported once, not again through every record that refers to it.
    expect(where.filter((w) => w.endsWith('userId'))).toEqual([]);
    expect(await totalRows(s.sql)).toBe(0);
  });

  it('reports a message id used twice in one conversation; the same id in two conversations is fine', async () => {
    const dir = await store();
    const names = (await readdir(join(dir, 'conversations'))).sort();
    const first = await readJsonFile<ConversationFile>(join(dir, 'conversations', names[0]!));
    const secondFile = join(dir, 'conversations', names[1]!);
    const second = await readJsonFile<ConversationFile>(secondFile);
    second.messages[7]!.id = first.messages[3]!.id;
    await writeJsonFile(secondFile, second);
    expect((await importDirectory(s.sql, s.db.url, { dir, dryRun: true })).status).toBe('dry-run');

    second.messages[8]!.id = second.messages[2]!.id;
    await writeJsonFile(secondFile, second);
    const report = await importDirectory(s.sql, s.db.url, { dir });
    expect(report.status).toBe('invalid');
    expect(report.issues).toEqual([
      expect.objectContaining({ file: `conversations/${names[1]}`, path: 'messages.8.id' }),
    ]);
    expect(await totalRows(s.sql)).toBe(0);
  });

  it('refuses an export whose files no longer match its manifest', async () => {
    const dir = await store();
    const good = await importDirectory(s.sql, s.db.url, { dir, dryRun: true });
    await writeJsonFile(join(dir, 'manifest.json'), {
      format: 'threadbase',
      version: 2,
      kind: 'export',
      checksums: { ...good.checksums, messages: { count: 199, checksum: good.checksums.messages.checksum } },
    });
    const report = await importDirectory(s.sql, s.db.url, { dir });
    expect(report.status).toBe('invalid');
    expect(report.issues).toEqual([expect.objectContaining({ file: 'manifest.json', path: 'checksums.messages' })]);
    expect(report.issues[0]!.message).toMatch(/modified or is incomplete.*delete manifest\.json/);
    expect(await totalRows(s.sql)).toBe(0);
  });

  it('skips the JSON store transient files and fields, and says so', async () => {
    const dir = await store();
    await writeJsonFile(join(dir, 'login-failures.json'), [
      { loginKey: 'x', failures: 3, windowStart: '2026-01-01T00:00:00.000Z', lockedUntil: null },
    ]);
    const { file, conv } = await firstConversation(dir);
    await writeJsonFile(file, {
      ...conv,
      idempotency: [{ key: 'k', requestHash: 'h', userId: conv.userId, response: {}, createdAt: conv.createdAt }],
      futureField: 1,
    });
    const report = await importDirectory(s.sql, s.db.url, { dir });
    expect(report.status).toBe('imported');
    expect(report.skipped).toEqual(
      expect.arrayContaining([
        'login-failures.json (transient state, not imported)',
        'field "idempotency" in 1 conversation file(s) (transient/unknown, not imported)',
        'field "futureField" in 1 conversation file(s) (transient/unknown, not imported)',
      ]),
    );
    expect((await counts(s.sql)).messages).toBe(200);
  });

  it('reports a record that exists with different content as a conflict and writes nothing', async () => {
    const dir = await store('a');
    expect((await importDirectory(s.sql, s.db.url, { dir })).status).toBe('imported');
    const before = await counts(s.sql);
    // The same store, one message edited, plus a brand-new conversation that must not land either.
    const { file, conv } = await firstConversation(dir);
    conv.messages[1]!.content = 'edited after the first import';
    await writeJsonFile(file, conv);
    const extra = await store('b', 20);
    const { conv: newConv, name: newName } = await firstConversation(extra);
    await writeJsonFile(join(dir, 'conversations', newName), { ...newConv, userId: conv.userId });

    const report = await importDirectory(s.sql, s.db.url, { dir });
    expect(report.status).toBe('conflict');
    expect(report.ok).toBe(false);
    expect(report.conflicts).toEqual(
      expect.arrayContaining([
        { table: 'messages', id: conv.messages[1]!.id, reason: 'exists in the database with different content' },
      ]),
    );
    expect(await counts(s.sql)).toEqual(before);
  });

  it('merges a second store into a non-empty database, and flags unique clashes with other ids', async () => {
    expect((await importDirectory(s.sql, s.db.url, { dir: await store('a') })).status).toBe('imported');
    const b = await store('b', 40);
    const merged = await importDirectory(s.sql, s.db.url, { dir: b });
    expect(merged.status).toBe('imported');
    expect(merged.mode).toBe('merge');
    expect(merged.inserted.messages).toBe(40);
    expect((await counts(s.sql)).messages).toBe(240);

    const c = await store('c', 20);
    const users = await readJsonFile<UserRecord[]>(join(c, 'users.json'));
    const existing = await readJsonFile<UserRecord[]>(join(b, 'users.json'));
    users[0]!.email = existing[0]!.email.toUpperCase();
    await writeJsonFile(join(c, 'users.json'), users);
    const clash = await importDirectory(s.sql, s.db.url, { dir: c });
    expect(clash.status).toBe('conflict');
    expect(clash.conflicts[0]).toMatchObject({ table: 'users', id: users[0]!.id });
    expect(clash.conflicts[0]!.reason).toMatch(/email is already used/);
    expect((await counts(s.sql)).messages).toBe(240);
  });
  it('a load PostgreSQL itself refuses fails with a clear 409 and writes nothing (it used to hang)', async () => {
    // Every conversation has several user messages, so this index makes the messages COPY fail
    // (23505) once all its rows were sent: the refusal arrives after CopyDone (porsager/postgres #1173).
    await s.sql`create unique index test_one_per_role on messages (conversation_id, role)`;
    const dir = await store('refused', 100);
    const failed = await importDirectory(s.sql, s.db.url, { dir }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ status: 409, code: 'conflict' });
    expect((failed as Error).message).toMatch(/Duplicate record in the source \(Key \(conversation_id, role\)/);
    expect(await totalRows(s.sql)).toBe(0);
    const [open] = await s.sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity where datname = ${s.db.name} and state like 'idle in transaction%'`;
    expect(open?.n).toBe(0);
  });
});
