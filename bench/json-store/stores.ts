/**
 * The JSON-store benchmark's data: a store generated directly as files (bench/import/generate-store.ts,
 * format version 1, which the server upgrades in place on open), `conversations` × 10 messages over
 * `users` users, plus a session per user whose token the benchmark knows. Users' own sessions in the
 * generated store have long expired; these are valid for a day. The generated version-1 files are
 * rewritten as version 2 here (as the store's own upgrade would, without its fsyncs: a scratch
 * store), so the servers do not spend the benchmark's time upgrading it.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeUuid, generateStore } from '../import/generate-store.js';
import type { SessionRecord, UserRecord } from '../../lib/store/types.js';
import { inBatches } from '../../lib/store/json/catalog.js';
import { upgradeConversation } from '../../lib/store/json/format.js';

export const MESSAGES_PER_CONVERSATION = 10;

export interface BenchStore {
  dir: string;
  conversations: number;
  users: number;
  /** Bearer token of the first user, and one of that user's conversations. */
  token: string;
  conversationId: string;
}

export async function makeStore(conversations: number, users: number): Promise<BenchStore> {
  const dir = await mkdtemp(join(tmpdir(), `tb-bench-json-${conversations}-`));
  const generated = await generateStore({
    dir,
    messages: conversations * MESSAGES_PER_CONVERSATION,
    messagesPerConversation: MESSAGES_PER_CONVERSATION,
    users,
    seed: 'jsonbench',
  });
  const userList = JSON.parse(await readFile(join(dir, 'users.json'), 'utf8')) as UserRecord[];
  const now = Date.now();
  const sessions: SessionRecord[] = userList.map((user) => ({
    id: fakeUuid(`bench-session:${user.id}`),
    userId: user.id,
    tokenHash: createHash('sha256').update(tokenOf(user.id)).digest('hex'),
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 86_400_000).toISOString(),
    lastSeenAt: new Date(now).toISOString(),
  }));
  await writeFile(join(dir, 'sessions.json'), JSON.stringify(sessions));
  await toVersion2(dir);
  return {
    dir,
    conversations: generated.conversations,
    users,
    token: tokenOf(generated.firstUser.id),
    // Conversation 0 belongs to user 0 (generate-store deals conversations out round-robin).
    conversationId: fakeUuid('jsonbench:conversation:0'),
  };
}

async function toVersion2(dir: string): Promise<void> {
  const conversations = join(dir, 'conversations');
  await inBatches(await readdir(conversations), async (name) => {
    const file = join(conversations, name);
    const v2 = upgradeConversation(
      JSON.parse(await readFile(file, 'utf8')) as Parameters<typeof upgradeConversation>[0],
    );
    await writeFile(file, `${JSON.stringify(v2, null, 2)}\n`);
  });
  await writeFile(join(dir, 'meta.json'), JSON.stringify({ format: 'threadbase', version: 2 }));
}

const tokenOf = (userId: string): string => `bench_${userId}`;
