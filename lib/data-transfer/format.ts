/**
 * The JSON store's on-disk format, version 1 (DESIGN.md), as zod schemas: what data:import
 * accepts and what data:export writes. Version-2 directories are accepted too, as long as their
 * data is what version 1 can hold (no archived conversations, no parts, no replaced messages,
 * UUID message ids): anything richer is reported invalid rather than silently dropped, because
 * the COPY loader does not carry the v2 columns yet. The schemas check what PostgreSQL needs to store a record
 * exactly (UUIDs, millisecond ISO timestamps, no NUL or lone surrogates), not the API's limits.
 */
import { z } from 'zod';
import { storable, storableJsonObject } from '../validation/storable-schema.js';
import { isIsoInstant } from '../validation/iso-time.js';
import { uuidSchema } from '../validation/uuid.js';
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

export const fileMessageSchema = z
  .object({
    id: uuid,
    role: z.enum(['user', 'assistant', 'system']),
    content: text(),
    metadata: metadata.default({}),
    createdAt: isoTimestamp,
    // Version-2 fields, accepted only with the values a version-1 message implies.
    parts: z.null({ error: 'parts are not supported by data:import yet' }).optional(),
    updatedAt: isoTimestamp.optional(),
    seq: z.number().int().optional(),
  })
  .refine((m) => m.updatedAt === undefined || m.updatedAt === m.createdAt, {
    message: 'replaced messages (updatedAt after createdAt) are not supported by data:import yet',
    path: ['updatedAt'],
  })
  .transform(({ parts: _p, updatedAt: _u, seq: _s, ...m }) => m);

/** A conversation file. Unknown top-level fields (e.g. the JSON store's idempotency records) are dropped. */
export const conversationFileSchema = z
  .object({
    id: uuid,
    userId: uuid,
    title: text(),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
    messages: z.array(fileMessageSchema),
    archived: z.literal(false, { error: 'archived conversations are not supported by data:import yet' }).optional(),
    lastSeq: z.number().int().optional(),
  })
  .transform(({ archived: _a, lastSeq: _l, ...c }): ConversationFile => c);

/**
 * A conversation file as imported and exported: the JSON store's, without its idempotency records,
 * in version-1 shape (what the COPY loader carries; see the header).
 */
export type FileMessage = Omit<StoredMessage, 'parts' | 'updatedAt' | 'seq'>;
export type ConversationFile = Omit<StoredConversation, 'idempotency' | 'archived' | 'lastSeq' | 'messages'> & {
  messages: FileMessage[];
};
/** data:export writes version-1 files (the JSON store upgrades them in place when it opens them). */
export const EXPORT_VERSION = 1;

export const CONVERSATION_KEYS = new Set([...Object.keys(conversationFileSchema.in.shape)]);

/** The record arrays of a data directory other than conversations. */
export interface SmallTables {
  users: UserRecord[];
  sessions: SessionRecord[];
  apiTokens: ApiTokenRecord[];
  usage: UsageRecord[];
}
