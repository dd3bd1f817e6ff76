/**
 * Killing data:import at any moment leaves the database as it was: a real child process is
 * SIGKILLed while PostgreSQL reports its COPY of messages in progress, the database is checked
 * empty, and a re-run completes and verifies.
 */
import { describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { generateStore } from '../../bench/import/generate-store.js';
import { verifyDirectory } from '../../lib/data-transfer/verify.js';
import { counts, runScript, useScratch, startScript, totalRows } from './helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('data:import killed mid-load', () => {
  const s = useScratch();

  async function copiedSoFar(): Promise<number> {
    const rows = await s.sql<{ n: string }[]>`
      select p.tuples_processed::text as n from pg_stat_progress_copy p
      where p.datname = ${s.db.name} and p.relid = 'messages'::regclass`;
    return Number(rows[0]?.n ?? 0);
  }

  async function toolBackends(): Promise<number> {
    const [row] = await s.sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity where datname = ${s.db.name} and application_name = 'threadbase-data-tools' and pid <> pg_backend_pid()`;
    return row?.n ?? 0;
  }

  it('leaves the database untouched when SIGKILLed during COPY, then a re-run completes', async () => {
    const dir = await s.dir('kill');
    await generateStore({ dir, messages: 30_000, users: 20, messagesPerConversation: 200 });
    // A temp directory of its own: any other import (another test file, another checkout's
    // tests) would remove the spool this killed import leaves behind.
    const tmp = await s.dir('kill-tmp');
    const child = startScript('data-import', [dir, '--batch-size', '500'], s.db.url, { TMPDIR: tmp });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );

    const deadline = Date.now() + 60_000;
    while (!stderr.includes('validate and load messages: started') && Date.now() < deadline) await sleep(20);
    expect(stderr).toContain('validate and load messages: started');
    let copied = 0;
    while ((copied = await copiedSoFar()) === 0 && Date.now() < deadline) await sleep(10);
    expect(copied).toBeGreaterThan(0);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(stderr).not.toContain('validate and load messages: done');

    // PostgreSQL aborts the transaction once it notices the dropped connection.
    while ((await toolBackends()) > 0 && Date.now() < deadline) await sleep(50);
    expect(await totalRows(s.sql)).toBe(0);

    const leftover = (await readdir(tmp)).filter((n) => n.startsWith(`threadbase-import-${child.pid}-`));
    expect(leftover).toHaveLength(1);
    const rerun = await runScript('data-import', [dir], s.db.url, { TMPDIR: tmp });
    // The next import removes the spool the killed one left behind.
    expect(await readdir(tmp)).not.toContain(leftover[0]);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toMatch(/^IMPORTED/);
    expect((await counts(s.sql)).messages).toBe(30_000);
    expect((await verifyDirectory(s.sql, s.db.url, dir)).ok).toBe(true);
  }, 120_000);

  it('a restore --force killed mid-load leaves the old contents in place', async () => {
    const before = await s.dir('restore-old');
    await generateStore({ dir: before, messages: 2_000, users: 3, seed: 'old' });
    expect((await runScript('data-import', [before], s.db.url)).code).toBe(0);
    const backup = await s.dir('restore-new');
    await generateStore({ dir: backup, messages: 30_000, users: 5, messagesPerConversation: 200, seed: 'new' });
    const child = startScript('data-restore', [backup, '--force'], s.db.url);
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    const deadline = Date.now() + 60_000;
    let copied = 0;
    while ((copied = await copiedSoFar()) === 0 && Date.now() < deadline) await sleep(10);
    expect(copied).toBeGreaterThan(0);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    while ((await toolBackends()) > 0 && Date.now() < deadline) await sleep(50);
    expect((await verifyDirectory(s.sql, s.db.url, before)).ok).toBe(true);
  }, 120_000);

  it('Ctrl-C (SIGINT) stops with exit code 130, writes nothing, and removes its spool', async () => {
    const dir = await s.dir('sigint');
    await generateStore({ dir, messages: 30_000, users: 5, messagesPerConversation: 200 });
    const child = startScript('data-import', [dir], s.db.url);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!stderr.includes('validate and load messages: started') && Date.now() < deadline) await sleep(20);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('SIGINT: stopped; nothing was committed');
    expect((await readdir(tmpdir())).filter((n) => n.startsWith(`threadbase-import-${child.pid}-`))).toEqual([]);
    while ((await toolBackends()) > 0 && Date.now() < deadline) await sleep(50);
    expect(await totalRows(s.sql)).toBe(0);
  }, 120_000);
});
