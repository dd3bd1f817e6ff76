/**
 * The data:* scripts as an operator runs them (real child processes): exit codes, the JSON
 * report, the --backup archive, verify naming differing records, backup retention, and restore
 * refusing a non-empty database unless --force, and version-2 data through backup, verify and restore.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateStore } from '../../bench/import/generate-store.js';
import type { ImportReport } from '../../lib/data-transfer/import.js';
import type { VerifyReport } from '../../lib/data-transfer/verify.js';
import { createPostgresStore } from '../../lib/store/postgres/index.js';
import { makeMessage, now } from '../helpers/factories.js';
import { counts, readJsonFile, runScript, useScratch, totalRows } from './helpers.js';

describe('data:* scripts', () => {
  const s = useScratch();
  let dir: string;
  beforeEach(async () => {
    dir = await s.dir('cli-src');
    await generateStore({ dir, messages: 300, users: 3, messagesPerConversation: 30 });
  });

  it('data:import: --dry-run --json writes nothing; --backup archives first; --report writes the JSON report', async () => {
    const dry = await runScript('data-import', [dir, '--dry-run', '--json'], s.db.url);
    expect(dry.code).toBe(0);
    expect((JSON.parse(dry.stdout) as ImportReport).status).toBe('dry-run');
    expect(await totalRows(s.sql)).toBe(0);

    const work = await s.dir('cli-work');
    const archive = join(work, 'before-import.tar.gz');
    const reportFile = join(work, 'report.json');
    const run = await runScript('data-import', [dir, '--backup', archive, '--report', reportFile], s.db.url);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^IMPORTED: Imported 3 users.*300 messages; verified before COMMIT/);
    expect(run.stderr).toContain(`backup written: ${archive}`);
    const listing = (await promisify(execFile)('tar', ['-tzf', archive])).stdout;
    expect(listing).toContain('users.json');
    expect(listing).toContain('conversations/');
    const report = await readJsonFile<ImportReport>(reportFile);
    expect(report).toMatchObject({ status: 'imported', ok: true, verified: true, counts: { messages: 300 } });
  }, 60_000);

  it('data:import exits 1 on invalid input and 2 on usage errors, with a next step', async () => {
    const missing = await runScript('data-import', [join(dir, 'nope')], s.db.url);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/does not exist\. Pass the JSON store's directory/);
    const usage = await runScript('data-import', [dir, '--batch-size', 'zero'], s.db.url);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--batch-size must be a positive integer/);
  }, 60_000);

  it('data:verify exits 0 when identical and 1 naming the records that differ', async () => {
    expect((await runScript('data-import', [dir], s.db.url)).code).toBe(0);
    const same = await runScript('data-verify', [dir], s.db.url);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/^SAME/);

    const [changed] = await s.sql<
      { id: string }[]
    >`update messages set content = 'tampered' where id = (select min(id::text)::uuid from messages) returning id::text`;
    const [removed] = await s.sql<
      { id: string }[]
    >`delete from api_tokens where id = (select min(id::text)::uuid from api_tokens) returning id::text`;
    const diff = await runScript('data-verify', [dir, '--json'], s.db.url);
    expect(diff.code).toBe(1);
    const report = JSON.parse(diff.stdout) as VerifyReport;
    expect(report.ok).toBe(false);
    expect(report.differences).toEqual(
      expect.arrayContaining([
        { table: 'messages', id: changed!.id, kind: 'different' },
        { table: 'apiTokens', id: removed!.id, kind: 'missing-in-database' },
      ]),
    );
    expect(report.differenceCount).toBe(2);
  }, 60_000);

  it('data:backup keeps the newest N; data:restore refuses a non-empty database unless --force', async () => {
    expect((await runScript('data-import', [dir], s.db.url)).code).toBe(0);
    const backups = await s.dir('backups');
    for (let i = 0; i < 3; i++) {
      const b = await runScript('data-backup', ['--dir', backups, '--keep', '2'], s.db.url);
      expect(b.code).toBe(0);
      expect(b.stdout).toMatch(/^BACKUP .*300 messages/);
    }
    const names = (await readdir(backups)).sort();
    expect(names).toHaveLength(2);
    const latest = join(backups, names[1]!);
    expect(await readdir(latest)).toEqual(
      expect.arrayContaining(['manifest.json', 'meta.json', 'users.json', 'conversations']),
    );

    await s.sql`delete from conversations where id = (select min(id::text)::uuid from conversations)`;
    const refused = await runScript('data-restore', [latest], s.db.url);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/NOT-EMPTY: .*--force/);
    expect((await counts(s.sql)).messages).toBe(270);

    const forced = await runScript('data-restore', [latest, '--force'], s.db.url);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/\(replace\)/);
    expect((await counts(s.sql)).messages).toBe(300);
    expect((await runScript('data-verify', [dir], s.db.url)).code).toBe(0);
  }, 60_000);

  it('data:backup / data:verify / data:restore round-trip version-2 data (parts, archived, an edit, client ids)', async () => {
    expect((await runScript('data-import', [dir], s.db.url)).code).toBe(0);
    const [conv] = await s.sql<{ id: string; userId: string }[]>`
      select id::text as id, user_id::text as "userId" from conversations order by id limit 1`;
    const store = createPostgresStore({ url: s.db.url, poolMax: 1 });
    try {
      await makeMessage(store, conv!.userId, conv!.id, {
        id: 'client-1',
        content: '',
        parts: [{ type: 'text', text: 'v2' }],
      });
      const at = now();
      await store.putMessage(conv!.userId, {
        id: 'client-1',
        conversationId: conv!.id,
        role: 'assistant',
        content: 'edited',
        parts: [{ type: 'text', text: 'edited' }],
        metadata: {},
        createdAt: at,
        updatedAt: at,
      });
      await store.updateConversation(conv!.userId, conv!.id, { archived: true }, now());
    } finally {
      await store.close();
    }
    const backups = await s.dir('backups-v2');
    const b = await runScript('data-backup', ['--dir', backups], s.db.url);
    expect(b.code).toBe(0);
    const [name] = await readdir(backups);
    const backup = join(backups, name!);
    expect(await readJsonFile(join(backup, 'meta.json'))).toEqual({ format: 'threadbase', version: 2 });
    expect((await runScript('data-verify', [backup], s.db.url)).code).toBe(0);

    await s.sql`update messages set parts = '[{"type":"text","text":"tampered"}]' where message_id = 'client-1'`;
    const diff = await runScript('data-verify', [backup, '--json'], s.db.url);
    expect(diff.code).toBe(1);
    expect((JSON.parse(diff.stdout) as VerifyReport).differences).toEqual([
      { table: 'messages', id: 'client-1', kind: 'different' },
    ]);

    const restored = await runScript('data-restore', [backup, '--force'], s.db.url);
    expect(restored.code).toBe(0);
    expect((await runScript('data-verify', [backup], s.db.url)).code).toBe(0);
    const [row] = await s.sql<{ parts: string; archived: boolean; edited: boolean }[]>`
      select m.parts::text as parts, c.archived, m.updated_at > m.created_at as edited
      from messages m join conversations c on c.id = m.conversation_id where m.message_id = 'client-1'`;
    expect(row).toEqual({ parts: '[{"type":"text","text":"edited"}]', archived: true, edited: true });
  }, 60_000);
});
