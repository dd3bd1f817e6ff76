/**
 * The JSON-store benchmark's data: a store generated directly as files (bench/import/generate-store.ts,
 * format version 1, which the server upgrades in place on open), `conversations` × 10 messages over
 * `users` users, plus a session per user whose token the benchmark knows. Users' own sessions in the
 * generated store have long expired; these are valid for a day.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeUuid, generateStore } from '../import/generate-store.js';
import type { SessionRecord, UserRecord } from '../../lib/store/types.js';

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
  return {
    dir,
    conversations: generated.conversations,
    users,
    token: tokenOf(generated.firstUser.id),
    // Conversation 0 belongs to user 0 (generate-store deals conversations out round-robin).
    conversationId: fakeUuid('jsonbench:conversation:0'),
  };
}

const tokenOf = (userId: string): string => `bench_${userId}`;
