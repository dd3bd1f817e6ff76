/**
 * The JSON store's on-disk format, version 1 (DESIGN.md), as zod schemas: what data:import
 * accepts and what data:export writes. Version-2 directories are accepted too, as long as their
 * data is what version 1 can hold (no archived conversations, no parts, no replaced messages,
 * UUID message ids): anything richer is reported invalid rather than silently dropped, because
 * the COPY loader does not carry the v2 columns yet. The schemas check what PostgreSQL needs to store a record
 * exactly (UUIDs, millisecond ISO timestamps, no NUL or lone surrogates), not the API's limits.
 */
import { z } from 'zod';
import { storable } from '../validation/storable-schema.js';
import { unstorableReason } from '../validation/storable-text.js';
import type { ApiTokenRecord, JsonObject, Role, SessionRecord, UsageRecord, UserRecord } from '../store/types.js';

export const FORMAT_NAME = 'threadbase';
export const FORMAT_VERSION = 1;

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

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** An ISO-8601 UTC timestamp with milliseconds that denotes a real instant (what timestamptz(3) keeps exactly). */
export const isoTimestamp = z.string().refine((s) => ISO_MS.test(s) && !Number.isNaN(Date.parse(s)) && new Date(s).toISOString() === s, {
  message: 'must be an ISO-8601 UTC timestamp with milliseconds, e.g. 2026-01-31T12:00:00.000Z',
});

// Any 8-4-4-4-12 hex id (what PostgreSQL's uuid stores unchanged), not only RFC 4122 versions.
const uuid = z.guid({ message: 'must be a UUID (8-4-4-4-12 hex digits)' });
const text = () => storable(z.string());
const count = z.number().int().min(0).max(2_147_483_647);

function walkJson(value: unknown, path: (string | number)[], ctx: z.RefinementCtx): void {
  if (typeof value === 'string') {
    const reason = unstorableReason(value);
    if (reason) ctx.addIssue({ code: 'custom', message: reason, path });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => walkJson(item, [...path, i], ctx));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const reason = unstorableReason(key);
      if (reason) ctx.addIssue({ code: 'custom', message: `key ${reason}`, path: [...path, key] });
      walkJson(item, [...path, key], ctx);
    }
  }
}

const metadata = z
  .record(z.string(), z.json())
  .superRefine((value, ctx) => walkJson(value, [], ctx))
  .transform((v) => v as JsonObject);

export const metaSchema = z.object({ format: z.literal(FORMAT_NAME), version: z.union([z.literal(FORMAT_VERSION), z.literal(2)]) });

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

export const fileMessageSchema = z.object({
  id: uuid,
  role: z.enum(['user', 'assistant', 'system']),
  content: text(),
  metadata: metadata.default({}),
  createdAt: isoTimestamp,
  // Version-2 fields, accepted only with the values a version-1 message implies.
  parts: z.null({ error: 'parts are not supported by data:import yet' }).optional(),
  updatedAt: isoTimestamp.optional(),
  seq: z.number().int().optional(),
}).refine((m) => m.updatedAt === undefined || m.updatedAt === m.createdAt, {
  message: 'replaced messages (updatedAt after createdAt) are not supported by data:import yet',
  path: ['updatedAt'],
}).transform(({ parts: _p, updatedAt: _u, seq: _s, ...m }) => m);

/** A conversation file. Unknown top-level fields (e.g. the JSON store's idempotency records) are dropped. */
export const conversationFileSchema = z.object({
  id: uuid,
  userId: uuid,
  title: text(),
  createdAt: isoTimestamp,
  updatedAt: isoTimestamp,
  messages: z.array(fileMessageSchema),
  archived: z.literal(false, { error: 'archived conversations are not supported by data:import yet' }).optional(),
  lastSeq: z.number().int().optional(),
}).transform(({ archived: _a, lastSeq: _l, ...c }) => c);

export type FileMessage = { id: string; role: Role; content: string; metadata: JsonObject; createdAt: string };
export interface ConversationFile {
  id: string;
  userId: string;
  title: string;
  createdAt: string;
  updatedAt: string;
  messages: FileMessage[];
}

export const CONVERSATION_KEYS = new Set([...Object.keys(conversationFileSchema.in.shape)]);

/** The record arrays of a data directory other than conversations. */
export interface SmallTables {
  users: UserRecord[];
  sessions: SessionRecord[];
  apiTokens: ApiTokenRecord[];
  usage: UsageRecord[];
}
