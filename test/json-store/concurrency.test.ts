/**
 * Atomic usage counting and lost-update freedom of the JSON store: concurrent requests in one
 * process, and four separate processes writing to one data directory.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createJsonStore } from '../../lib/store/json/index.js';
import type { Store } from '../../lib/store/types.js';
import { tempDataDir } from '../helpers/backends.js';
import { makeConversation, makeUser, newMessage, now } from '../helpers/factories.js';

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

/** Runs a fixture script in a child process; resolves with its stdout, rejects on a non-zero exit. */
function runChild(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(FIXTURES, script), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${script} exited ${code}: ${err}`))));
  });
}

describe('in one process', () => {
  test('50 concurrent consumeUsage with K remaining → exactly K allowed', async () => {
    const user = await makeUser(store);
    const limits = { free: { daily: 20, monthly: 1000 } };
    for (let i = 0; i < 13; i += 1) await store.consumeUsage(user.id, limits, now());
    const results = await Promise.all(Array.from({ length: 50 }, () => store.consumeUsage(user.id, limits, now())));
    expect(results.filter((r) => r.allowed)).toHaveLength(7);
    expect((await store.getUsage(user.id, now())).dailyUsed).toBe(20);
  });

  test('concurrent appends with quota: exactly K stored, none lost', async () => {
    const user = await makeUser(store);
    const conversation = await makeConversation(store, user.id);
    const limits = { free: { daily: 9, monthly: 1000 } };
    const settled = await Promise.allSettled(
      Array.from({ length: 30 }, () =>
        store.appendMessage(user.id, newMessage(conversation.id), { quota: { limits, now: now() } }),
      ),
    );
    const stored = settled.filter((s) => s.status === 'fulfilled');
    expect(stored).toHaveLength(9);
    for (const s of settled) if (s.status === 'rejected') expect(s.reason).toMatchObject({ code: 'rate_limited' });
    const page = await store.listMessages(user.id, conversation.id, { limit: 100 });
    expect(page?.items).toHaveLength(9);
    expect((await store.getConversation(user.id, conversation.id))?.messageCount).toBe(9);
  });
});

describe('across four processes on one directory', () => {
  const PROCESSES = 4;

  async function runWorkers(mode: 'consume' | 'append', userId: string, conversationId: string, daily: number) {
    const startAt = String(Date.now() + 4000); // after every child has loaded tsx and opened the store
    const outputs = await Promise.all(
      Array.from({ length: PROCESSES }, () =>
        runChild('usage-worker.ts', [dataDir, mode, userId, conversationId, '20', String(daily), startAt]),
      ),
    );
    return outputs.map((out) => JSON.parse(out) as { allowed: number; ids: string[] });
  }

  test('4 × 20 concurrent consumeUsage with 30 remaining → exactly 30 allowed in total', async () => {
    const user = await makeUser(store);
    const results = await runWorkers('consume', user.id, user.id, 30);
    expect(results.reduce((sum, r) => sum + r.allowed, 0)).toBe(30);
    expect((await store.getUsage(user.id, now())).dailyUsed).toBe(30);
  }, 60_000);

  test('4 × 20 concurrent appends to one conversation: every allowed message is stored', async () => {
    const user = await makeUser(store);
    const conversation = await makeConversation(store, user.id);
    const results = await runWorkers('append', user.id, conversation.id, 50);
    const ids = results.flatMap((r) => r.ids);
    expect(ids).toHaveLength(50);
    const page = await store.listMessages(user.id, conversation.id, { limit: 100 });
    expect(new Set(page?.items.map((m) => m.id))).toEqual(new Set(ids));
    expect((await store.getUsage(user.id, now())).dailyUsed).toBe(50);
  }, 60_000);
});
