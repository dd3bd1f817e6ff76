/**
 * The JSON store's on-disk format (DESIGN.md; docs/json-store-format.md) as zod schemas: what
 * data:import accepts and what data:export writes. Version 1 and version 2 directories are
 * accepted; a version-1 conversation is read as version 2 reads it (archived false, parts null,
 * updatedAt = createdAt, seq = its place in the file). data:export writes version 2. The schemas
 * check what PostgreSQL needs to store a record exactly (UUIDs, millisecond ISO timestamps, no NUL
 * or lone surrogates, message ids as the API allows them), not the API's size limits.
 */
import { z } from 'zod';
import { storable, storableJsonObject } from '../validation/storable-schema.js';
import { isIsoInstant } from '../validation/iso-time.js';
import { isUuid, uuidSchema } from '../validation/uuid.js';
import { MESSAGE_ID } from '../messages/message-body.js';
import { FORMAT_NAME, FORMAT_VERSION, type StoredConversation, type StoredMessage } from '../store/json/format.js';
import type { ApiTokenRecord, SessionRecord, UsageRecord, UserRecord } from '../store/types.js';

/** Files of a data directory, relative to it. */
export const FILES = {
  meta: 'meta.json',
  users: 'users.json',
  sessions: 'sessions.json',
  apiTokens: 'api-tokens.json',
  usage: 'usage.json',
  conversations: 'conversations',
  manifest: 'manifest.json',
} as const;

/** Files the JSON store may keep that hold transient state: skipped by import, never exported. */
export const TRANSIENT_FILES = ['login-failures.json', 'idempotency.json'];

/** An ISO-8601 UTC timestamp with milliseconds of a real instant in years 0001–9999 (what timestamptz(3) keeps exactly). */
export const isoTimestamp = z.string().refine(isIsoInstant, {
  message: 'must be an ISO-8601 UTC timestamp with milliseconds, e.g. 2026-01-31T12:00:00.000Z',
});

const uuid = uuidSchema;
const text = () => storable(z.string());
const count = z.number().int().min(0).max(2_147_483_647);

// The API's metadata rule (storable text, at most JSON_MAX_DEPTH levels, `__proto__` kept), without its size cap.
const metadata = storableJsonObject();

export const metaSchema = z.object({
  format: z.literal(FORMAT_NAME),
  version: z.union([z.literal(1), z.literal(FORMAT_VERSION)]),
});

export const userSchema = z.object({
  id: uuid,
  email: text().min(1),
  username: text().min(1),
  displayName: text(),
  passwordHash: text().min(1),
  createdAt: isoTimestamp,
  updatedAt: isoTimestamp,
  lastLoginAt: isoTimestamp.nullable(),
}) satisfies z.ZodType<UserRecord>;

export const sessionSchema = z.object({
  id: uuid,
  userId: uuid,
  tokenHash: text().min(1),
  createdAt: isoTimestamp,
  expiresAt: isoTimestamp,
  lastSeenAt: isoTimestamp,
}) satisfies z.ZodType<SessionRecord>;

export const apiTokenSchema = z.object({
  id: uuid,
  userId: uuid,
  name: text(),
  prefix: text(),
  tokenHash: text().min(1),
  createdAt: isoTimestamp,
  lastUsedAt: isoTimestamp.nullable(),
  expiresAt: isoTimestamp.nullable(),
}) satisfies z.ZodType<ApiTokenRecord>;

export const usageSchema = z.object({
  userId: uuid,
  tier: text().min(1),
  dailyUsed: count,
  dailyWindowStart: isoTimestamp,
  monthlyUsed: count,
  monthlyWindowStart: isoTimestamp,
  totalUsed: count,
}) satisfies z.ZodType<UsageRecord>;

/** A message id: a UUID (any case, as version 1 wrote them) or what the API lets a client choose. */
export const isMessageId = (v: unknown): v is string => typeof v === 'string' && (isUuid(v) || MESSAGE_ID.test(v));
const messageId = z.string().refine(isMessageId, { message: 'must be a UUID or 1–128 characters of A–Z a–z 0–9 _ -' });

// Parts as the API stores them: an array of objects (storable JSON), or null for none.
const parts = z.array(storableJsonObject()).nullable();

export const fileMessageSchema = z
  .object({
    id: messageId,
    role: z.enum(['user', 'assistant', 'system']),
    content: text(),
    parts: parts.default(null),
    metadata: metadata.default({}),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp.optional(),
    seq: z.number().int().min(1).optional(),
  })
  .transform(({ updatedAt, seq, ...m }) => ({ ...m, updatedAt: updatedAt ?? m.createdAt, seq: seq ?? null }));

/** A conversation file. Unknown top-level fields (e.g. the JSON store's idempotency records) are dropped. */
export const conversationFileSchema = z
  .object({
    id: uuid,
    userId: uuid,
    title: text(),
    archived: z.boolean().default(false),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
    messages: z.array(fileMessageSchema),
    lastSeq: z.number().int().optional(),
  })
  .transform(({ lastSeq: _l, ...c }): ConversationFile => c);

/**
 * A message as imported: the JSON store's, with `seq` null when the file (version 1) has none;
 * the list order is (createdAt, seq), and a missing seq is the message's place in the file.
 */
export type FileMessage = Omit<StoredMessage, 'seq'> & { seq: number | null };
/** A conversation file as imported: the JSON store's, without its idempotency records or lastSeq. */
export type ConversationFile = Omit<StoredConversation, 'idempotency' | 'lastSeq' | 'messages'> & {
  messages: FileMessage[];
};
/** data:export writes the current version. */
export const EXPORT_VERSION = FORMAT_VERSION;

export const CONVERSATION_KEYS = new Set([...Object.keys(conversationFileSchema.in.shape)]);

/** The record arrays of a data directory other than conversations. */
export interface SmallTables {
  users: UserRecord[];
  sessions: SessionRecord[];
  apiTokens: ApiTokenRecord[];
  usage: UsageRecord[];
}
