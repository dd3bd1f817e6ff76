/**
 * Test-data factories: valid records with unique emails/usernames, UUIDs and strictly
 * increasing ISO timestamps (ordering ties matter for keyset pagination). `newX` builds a record;
 * `makeX` also stores it and returns what the store returned.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type {
  ApiTokenRecord,
  ConversationRecord,
  ListedMessage,
  MessageBody,
  MessageRecord,
  NewConversation,
  NewUser,
  SessionRecord,
  Store,
  UserRecord,
} from '../../lib/store/types.js';

export const DAY_MS = 86_400_000;

/** `iso` shifted by `ms` milliseconds. */
export function addMs(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}

/** A clock whose every tick is strictly later than the last (by `stepMs`, default 1 ms). */
export function clock(start: string | number = Date.now(), stepMs = 1): () => string {
  let t = typeof start === 'string' ? Date.parse(start) - stepMs : start - stepMs;
  return () => {
    t += stepMs;
    return new Date(t).toISOString();
  };
}

let lastNow = 0;
/** Real time, but strictly increasing across calls in this process. */
export function now(): string {
  lastNow = Math.max(Date.now(), lastNow + 1);
  return new Date(lastNow).toISOString();
}

const unique = (): string => randomBytes(5).toString('hex');

/** A random token hash shaped like the real ones (hex SHA-256). */
export const tokenHash = (): string => randomBytes(32).toString('hex');

export const FAKE_PASSWORD_HASH = '$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g';

export function newUser(overrides: Partial<NewUser> = {}): NewUser {
  const id = unique();
  const at = overrides.createdAt ?? now();
  return {
    id: randomUUID(),
    email: `user-${id}@example.test`,
    username: `user_${id}`,
    displayName: `User ${id}`,
    passwordHash: FAKE_PASSWORD_HASH,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

export function makeUser(store: Store, overrides: Partial<NewUser> = {}, session?: SessionRecord): Promise<UserRecord> {
  return store.createUser(newUser(overrides), session);
}

export function newSession(userId: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  const at = overrides.createdAt ?? now();
  return {
    id: randomUUID(),
    userId,
    tokenHash: tokenHash(),
    createdAt: at,
    expiresAt: addMs(at, 30 * DAY_MS),
    lastSeenAt: at,
    ...overrides,
  };
}

export function makeSession(
  store: Store,
  userId: string,
  overrides: Partial<SessionRecord> = {},
): Promise<SessionRecord> {
  return store.createSession(newSession(userId, overrides));
}

export function newApiToken(userId: string, overrides: Partial<ApiTokenRecord> = {}): ApiTokenRecord {
  const hash = tokenHash();
  return {
    id: randomUUID(),
    userId,
    name: `token ${unique()}`,
    prefix: hash.slice(0, 8),
    tokenHash: hash,
    createdAt: now(),
    lastUsedAt: null,
    expiresAt: null,
    ...overrides,
  };
}

export function makeApiToken(
  store: Store,
  userId: string,
  overrides: Partial<ApiTokenRecord> = {},
): Promise<ApiTokenRecord> {
  return store.createApiToken(newApiToken(userId, overrides));
}

export type { NewConversation };

export function newConversation(userId: string, overrides: Partial<NewConversation> = {}): NewConversation {
  return { id: randomUUID(), userId, title: `Conversation ${unique()}`, createdAt: now(), ...overrides };
}

export async function makeConversation(
  store: Store,
  userId: string,
  overrides: Partial<NewConversation> = {},
): Promise<ConversationRecord> {
  return (await store.createConversation(newConversation(userId, overrides))).value;
}

export function newMessage(conversationId: string, overrides: Partial<MessageRecord> = {}): MessageRecord {
  const at = overrides.createdAt ?? now();
  return {
    id: randomUUID(),
    conversationId,
    role: 'user',
    content: `message ${unique()}`,
    parts: null,
    metadata: {},
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

export async function makeMessage(
  store: Store,
  userId: string,
  conversationId: string,
  overrides: Partial<MessageRecord> = {},
): Promise<MessageRecord> {
  return (await store.appendMessage(userId, newMessage(conversationId, overrides))).value;
}

/** A message body as PUT /messages takes it: a user message with id `id`, its content named after it. */
export const messageBody = (id: string, overrides: Partial<MessageBody> = {}): MessageBody => ({
  id,
  role: 'user',
  content: `content of ${id}`,
  parts: null,
  metadata: {},
  ...overrides,
});

/** A listed message as the record it was written as (the list position `seq` is a listing detail). */
export function unlisted({ seq: _seq, ...message }: ListedMessage): MessageRecord {
  return message;
}

/** The messages of a store page, as records. */
export function unlistedItems(page: { items: ListedMessage[] } | null | undefined): MessageRecord[] | undefined {
  return page?.items.map(unlisted);
}
