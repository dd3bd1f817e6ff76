/**
 * A writer that holds the lock and is paused (SIGSTOP: a frozen container, a debugger, a swap
 * storm) for longer than the stale limit must not lose anyone's acknowledged writes: its lock is
 * not taken over while it is alive, so the other process's appends wait for it and then all land,
 * and the paused writer's own append is either committed or refused, never silently overwritten.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { createJsonStore } from '../../lib/store/json/index.js';
import type { Store } from '../../lib/store/types.js';
import { tempDataDir } from '../helpers/backends.js';
import { makeConversation, makeUser, newMessage } from '../helpers/factories.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const STALE_MS = 1_000;

let dataDir: string;
let store: Store;
let child: ChildProcess | undefined;

beforeEach(async () => {
  dataDir = await tempDataDir();
  store = createJsonStore({ dataDir, lockStaleMs: STALE_MS });
});
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
  await store.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the holder; resolves once it holds the lock and waits just before its rename. */
function startHolder(
  userId: string,
  conversationId: string,
): Promise<{ child: ChildProcess; result: Promise<string> }> {
  const script = path.join(FIXTURES, 'paused-holder.ts');
  const proc = spawn(process.execPath, ['--import', 'tsx', script, dataDir, userId, conversationId, String(STALE_MS)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child = proc;
  let out = '';
  let err = '';
  proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const result = new Promise<string>((resolve, reject) => {
    proc.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`holder exited ${code}: ${err}`))));
  });
  return new Promise((resolve, reject) => {
    proc.on('error', reject);
    result.catch(reject);
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('paused-before-rename\n')) resolve({ child: proc, result });
    });
  });
}

test('a holder SIGSTOPped past the stale limit loses no acknowledged write, its own or anyone else’s', async () => {
  const user = await makeUser(store);
  const conversation = await makeConversation(store, user.id);
  const holder = await startHolder(user.id, conversation.id);
  holder.child.kill('SIGSTOP');
  await sleep(STALE_MS + 500); // the holder's lock is now older than the stale limit

  const acknowledged: string[] = [];
  const appending = (async () => {
    for (let i = 0; i < 20; i += 1)
      acknowledged.push((await store.appendMessage(user.id, newMessage(conversation.id))).value.id);
  })();
  // Give the appender time to take the lock over (what the old, age-based rule did) and finish.
  await Promise.race([appending, sleep(2_000)]);
  holder.child.stdin?.write('go\n');
  holder.child.kill('SIGCONT');
  const printed = await holder.result;
  await appending;
  expect(acknowledged).toHaveLength(20);

  const stored = (await store.listMessages(user.id, conversation.id, { limit: 100 }))!.items.map((m) => m.id);
  for (const id of acknowledged) expect(stored, `acknowledged message ${id}`).toContain(id);
  const acked = /^acked (\S+)$/m.exec(printed);
  if (acked) expect(stored).toContain(acked[1]);
  else expect(printed).toMatch(/^refused /m);
  expect(stored).toHaveLength(acked ? 21 : 20);
}, 30_000);
