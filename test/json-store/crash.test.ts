/**
 * Crash safety of the JSON store: a writer killed with SIGKILL mid-burst leaves only complete
 * JSON files, loses no write that had returned, and its lock (or any stale lock) does not block
 * the next writer.
 */
import { spawn, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { JOURNAL_NAME } from '../../lib/store/json/change-journal.js';
import { createJsonStore } from '../../lib/store/json/index.js';
import type { Store } from '../../lib/store/types.js';
import { tempDataDir } from '../helpers/backends.js';
import { makeUser, newMessage } from '../helpers/factories.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

let dataDir: string;
let store: Store;

beforeEach(async () => {
  dataDir = await tempDataDir();
  store = createJsonStore({ dataDir });
});
afterEach(async () => {
  await store.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

/** Runs append-burst.ts until it has printed `lines` results, then SIGKILLs it; returns the printed lines. */
function burstThenKill(userId: string, lines: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(FIXTURES, 'append-burst.ts'), dataDir, userId],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.split('\n').length > lines) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`append-burst exited ${code}: ${err}`));
      // Only complete lines: the last one may have been cut by the kill.
      else resolve(out.split('\n').filter((line) => /^\S+ \S+$/.test(line)));
    });
  });
}

async function allFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? allFiles(path.join(dir, e.name)) : Promise.resolve([path.join(dir, e.name)]),
    ),
  );
  return nested.flat();
}

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
}

test('kill -9 during a write burst: every file parses and every returned write survives', async () => {
  const user = await makeUser(store);
  const printed: string[] = [];
  // Several rounds with different kill points make a kill inside a write (and the lock) likely.
  for (const lines of [25, 40, 57]) printed.push(...(await burstThenKill(user.id, lines)));

  // Opening the store again (its first read) tidies what the dead writer left (temp files of dead pids).
  const next = createJsonStore({ dataDir });
  await next.getUserById(user.id);
  const files = await allFiles(dataDir);
  expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  for (const file of files) {
    const text = await fs.readFile(file, 'utf8');
    // The change journal is JSON lines; a kill mid-append may leave its last line torn (readers then re-scan).
    const documents = path.basename(file) === JOURNAL_NAME ? text.split('\n').slice(0, -1) : [text];
    for (const document of documents) expect(() => JSON.parse(document) as unknown, file).not.toThrow();
  }

  const stored = new Set<string>();
  for (const conversationId of new Set(printed.map((line) => line.split(' ')[0]!))) {
    const page = await next.listMessages(user.id, conversationId, { limit: 100 });
    for (const message of page?.items ?? []) stored.add(message.id);
  }
  for (const line of printed) expect(stored.has(line.split(' ')[1]!), line).toBe(true);
  // Usage is written before the message, so it never counts fewer than what was stored.
  expect((await next.getUsage(user.id, new Date().toISOString())).totalUsed).toBeGreaterThanOrEqual(stored.size);

  // Whatever lock the killed writer held must not block the next writer.
  const conversationId = printed.at(-1)!.split(' ')[0]!;
  const started = Date.now();
  await next.appendMessage(user.id, newMessage(conversationId));
  expect(Date.now() - started).toBeLessThan(2000);
  await next.close();
}, 90_000);

test('a stale lock left by a dead process is taken over by the next writer, which tidies up after it', async () => {
  const user = await makeUser(store);
  const pid = deadPid();
  const lock = {
    pid,
    host: (await import('node:os')).hostname(),
    token: 'deadbeef',
    acquiredAt: new Date().toISOString(),
  };
  await fs.writeFile(path.join(dataDir, '.lock'), JSON.stringify(lock));
  const leftover = path.join(dataDir, 'conversations', `.x.json.${pid}.abc123.tmp`);
  await fs.writeFile(leftover, '{"cut off');
  const started = Date.now();
  await store.setTier(user.id, 'pro');
  expect(Date.now() - started).toBeLessThan(1000);
  expect((await store.getUsage(user.id, new Date().toISOString())).tier).toBe('pro');
  await expect(fs.stat(path.join(dataDir, '.lock'))).rejects.toMatchObject({ code: 'ENOENT' });
  await expect(fs.stat(leftover)).rejects.toMatchObject({ code: 'ENOENT' });
});
