/**
 * The one database schema. drizzle-kit generates db/migrations/ from this file; the PostgreSQL
 * store queries through it. Kept free of relative imports so drizzle-kit can load it on its own.
 * Timestamps are timestamptz(3): millisecond precision, the same as the API's ISO strings.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  json,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const tstz = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'string' });

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    email: text('email').notNull(),
    username: text('username').notNull(),
    displayName: text('display_name').notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: tstz('created_at').notNull(),
    updatedAt: tstz('updated_at').notNull(),
    lastLoginAt: tstz('last_login_at'),
  },
  (t) => [
    uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`),
    uniqueIndex('users_username_lower_key').on(sql`lower(${t.username})`),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    createdAt: tstz('created_at').notNull(),
    expiresAt: tstz('expires_at').notNull(),
    lastSeenAt: tstz('last_seen_at').notNull(),
  },
  (t) => [uniqueIndex('sessions_token_hash_key').on(t.tokenHash), index('sessions_user_id_idx').on(t.userId)],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: tstz('created_at').notNull(),
    lastUsedAt: tstz('last_used_at'),
    expiresAt: tstz('expires_at'),
  },
  (t) => [
    uniqueIndex('api_tokens_token_hash_key').on(t.tokenHash),
    index('api_tokens_user_created_idx').on(t.userId, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
  ],
);

export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    createdAt: tstz('created_at').notNull(),
    updatedAt: tstz('updated_at').notNull(),
    messageCount: integer('message_count').notNull().default(0),
    archived: boolean('archived').notNull().default(false),
  },
  (t) => [
    index('conversations_user_updated_idx').on(t.userId, t.updatedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
  ],
);

/**
 * Messages. `id` is the row's own key (a UUID, as in schema version 0000); the API's message id is
 * `coalesce(message_id, id::text)`: every row written since migration 0001 carries it in
 * `message_id` (a client-chosen string or the server-made UUID), rows written before (or by the
 * previous deployment during a deploy) have it null and use their uuid. `seq` is the position of
 * creation, the tie-breaker after created_at. Expand-only, so the previous deployment keeps
 * working against this schema (docs/decisions/0013-message-ids-expand-only.md).
 */
export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey(),
    messageId: text('message_id'),
    seq: bigint('seq', { mode: 'number' }).notNull().generatedByDefaultAsIdentity(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    /** Denormalised owner, so search filters on the caller without a join first. */
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['user', 'assistant', 'system'] }).notNull(),
    content: text('content').notNull(),
    metadata: jsonb('metadata')
      .notNull()
      .default(sql`'{}'::jsonb`),
    /** json, not jsonb: kept byte for byte as sent (key order included), never queried inside. */
    parts: json('parts'),
    createdAt: tstz('created_at').notNull(),
    /** Null until the message is replaced (and on rows from before migration 0001): reads as created_at. */
    updatedAt: tstz('updated_at'),
    searchVector: tsvector('search_vector')
      .notNull()
      .generatedAlwaysAs(sql`to_tsvector('english', content)`),
  },
  (t) => [
    index('messages_conversation_created_idx').on(t.conversationId, t.createdAt, t.id),
    index('messages_conversation_created_seq_idx').on(t.conversationId, t.createdAt, t.seq),
    uniqueIndex('messages_conversation_message_id_key').on(
      t.conversationId,
      sql`coalesce(${t.messageId}, (${t.id})::text)`,
    ),
    index('messages_user_id_idx').on(t.userId),
    index('messages_search_vector_idx').using('gin', t.searchVector),
    check('messages_role_check', sql`${t.role} in ('user', 'assistant', 'system')`),
  ],
);

export const usage = pgTable('usage', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  tier: text('tier').notNull().default('free'),
  dailyUsed: integer('daily_used').notNull().default(0),
  dailyWindowStart: tstz('daily_window_start').notNull(),
  monthlyUsed: integer('monthly_used').notNull().default(0),
  monthlyWindowStart: tstz('monthly_window_start').notNull(),
  totalUsed: integer('total_used').notNull().default(0),
});

/** Failed logins per login identifier (lower-cased email or username), for throttling. */
export const loginFailures = pgTable('login_failures', {
  loginKey: text('login_key').primaryKey(),
  failures: integer('failures').notNull(),
  windowStart: tstz('window_start').notNull(),
  lockedUntil: tstz('locked_until'),
});

/** Responses of writes made under an Idempotency-Key, kept 24 hours. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    response: jsonb('response').notNull(),
    createdAt: tstz('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] }), index('idempotency_keys_created_idx').on(t.createdAt)],
);
