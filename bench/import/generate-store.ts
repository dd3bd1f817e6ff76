/**
 * Generates a JSON store directory (format v1) of a given size, deterministically, for the import
 * benchmark and the data-transfer tests. Conversations are written one file at a time, so
 * generating a million messages needs little memory.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiTokenRecord, SessionRecord, UsageRecord, UserRecord } from '../../lib/store/types.js';
import type { ConversationFile, FileMessage } from '../../lib/data-transfer/format.js';

/** A version-1 file's conversation and message (no archived, parts, updatedAt or seq). */
type V1Message = Omit<FileMessage, 'parts' | 'updatedAt' | 'seq'>;
type V1Conversation = Omit<ConversationFile, 'archived' | 'messages'> & { messages: V1Message[] };

export interface GenerateOptions {
  dir: string;
  messages: number;
  users?: number;
  messagesPerConversation?: number;
  /** Changes every id, so two stores from different seeds do not overlap. */
  seed?: string;
  /** PHC hash given to every user (default: a syntactically valid dummy). */
  passwordHash?: string;
}

export interface GeneratedStore {
  users: number;
  conversations: number;
  messages: number;
  firstUser: UserRecord;
}

/** A deterministic UUID (version 4 layout) from a label. */
export function fakeUuid(label: string): string {
  const h = createHash('sha256').update(label).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const WORDS = [
  'alpha',
  'bravo',
  'charlie',
  'delta',
  'echo',
  'foxtrot',
  'golf',
  'hotel',
  'india',
  'juliet',
  'kilo',
  'lima',
  'postgres',
  'json',
  'migrate',
  'thread',
  'säge',
  'naïve',
  '日本語',
  'emoji 🎉',
  'tab\there',
  'line\nbreak',
  'back\\slash',
];
const BASE_MS = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (offsetMs: number): string => new Date(BASE_MS + offsetMs).toISOString();

function content(n: number): string {
  const words: string[] = [];
  for (let i = 0; i < 8 + (n % 17); i++) words.push(WORDS[(n * 7 + i * 13) % WORDS.length] ?? 'x');
  return words.join(' ');
}

function makeUser(seed: string, i: number, passwordHash: string): UserRecord {
  return {
    id: fakeUuid(`${seed}:user:${i}`),
    email: `user${i}-${seed}@example.com`,
    username: `user${i}_${seed}`,
    displayName: `User ${i} ✨`,
    passwordHash,
    createdAt: iso(i * 1000),
    updatedAt: iso(i * 1000 + 1),
    lastLoginAt: i % 2 ? iso(i * 1000 + 2) : null,
  };
}

function smallRecords(
  user: UserRecord,
  i: number,
): { session: SessionRecord; token: ApiTokenRecord; usage: UsageRecord } {
  return {
    session: {
      id: fakeUuid(`${user.id}:session`),
      userId: user.id,
      tokenHash: createHash('sha256').update(`s${user.id}`).digest('hex'),
      createdAt: iso(i),
      expiresAt: iso(i + 86_400_000),
      lastSeenAt: iso(i + 5),
    },
    token: {
      id: fakeUuid(`${user.id}:token`),
      userId: user.id,
      name: `token ${i}`,
      prefix: user.id.slice(0, 8),
      tokenHash: createHash('sha256').update(`t${user.id}`).digest('hex'),
      createdAt: iso(i),
      lastUsedAt: null,
      expiresAt: i % 3 ? null : iso(i + 1e9),
    },
    usage: {
      userId: user.id,
      tier: i % 5 ? 'free' : 'pro',
      dailyUsed: i % 7,
      dailyWindowStart: '2026-01-01T00:00:00.000Z',
      monthlyUsed: i % 11,
      monthlyWindowStart: '2026-01-01T00:00:00.000Z',
      totalUsed: i % 13,
    },
  };
}

function makeConversation(
  seed: string,
  c: number,
  userId: string,
  count: number,
  firstMessage: number,
): V1Conversation {
  const messages: V1Message[] = [];
  for (let k = 0; k < count; k++) {
    const n = firstMessage + k;
    messages.push({
      id: fakeUuid(`${seed}:message:${n}`),
      role: k % 2 ? 'assistant' : 'user',
      content: content(n),
      metadata: k % 4 === 0 ? { model: 'gpt', tokens: n % 1000, nested: { ok: true, list: [1, 'two'] } } : {},
      createdAt: iso(c * 60_000 + k * 10),
    });
  }
  const last = messages[messages.length - 1];
  return {
    id: fakeUuid(`${seed}:conversation:${c}`),
    userId,
    title: `Conversation ${c} — ${WORDS[c % WORDS.length]}`,
    createdAt: iso(c * 60_000),
    updatedAt: last ? last.createdAt : iso(c * 60_000),
    messages,
  };
}

/** Writes a store of `messages` messages into `dir` (created if needed). */
export async function generateStore(options: GenerateOptions): Promise<GeneratedStore> {
  const seed = options.seed ?? 'bench';
  const perConversation = options.messagesPerConversation ?? 100;
  const userCount = options.users ?? Math.max(1, Math.min(1000, Math.ceil(options.messages / 1000)));
  const hash =
    options.passwordHash ?? '$scrypt$ln=17,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';
  await mkdir(join(options.dir, 'conversations'), { recursive: true });
  const users = Array.from({ length: userCount }, (_, i) => makeUser(seed, i, hash));
  const small = users.map((u, i) => smallRecords(u, i));
  await writeFile(join(options.dir, 'meta.json'), JSON.stringify({ format: 'threadbase', version: 1 }));
  await writeFile(join(options.dir, 'users.json'), JSON.stringify(users));
  await writeFile(join(options.dir, 'sessions.json'), JSON.stringify(small.map((s) => s.session)));
  await writeFile(join(options.dir, 'api-tokens.json'), JSON.stringify(small.map((s) => s.token)));
  await writeFile(join(options.dir, 'usage.json'), JSON.stringify(small.map((s) => s.usage)));
  let written = 0;
  let c = 0;
  for (; written < options.messages; c++) {
    const count = Math.min(perConversation, options.messages - written);
    const conv = makeConversation(seed, c, users[c % users.length]!.id, count, written);
    await writeFile(join(options.dir, 'conversations', `${conv.id}.json`), JSON.stringify(conv));
    written += count;
  }
  return { users: userCount, conversations: c, messages: written, firstUser: users[0]! };
}
