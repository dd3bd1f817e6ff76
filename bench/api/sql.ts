/**
 * The statements the PostgreSQL store runs for each benchmarked request (copied from
 * lib/store/postgres/*.ts), with positional parameters. The hand-written baseline server runs them
 * through postgres.js and bench/api/pgbench.ts inlines the same parameters for pgbench, so both
 * baselines execute exactly the SQL the API does. Keep them in step with the store.
 */

/** lib/store/postgres/credentials.ts findCredential: $1 token hash, $2 now. */
export const FIND_CREDENTIAL = `
    select c.kind, c.id as "credentialId", c.expires_at as "expiresAt", c.last_used_at as "credentialLastUsedAt",
           u.id, u.email, u.username, u.display_name as "displayName", u.password_hash as "passwordHash",
           u.created_at as "createdAt", u.updated_at as "updatedAt", u.last_login_at as "lastLoginAt"
    from (
      select 'session' as kind, id, user_id, expires_at, last_seen_at as last_used_at
      from sessions where token_hash = $1 and expires_at > $2::timestamptz
      union all
      select 'api_token' as kind, id, user_id, expires_at, last_used_at
      from api_tokens where token_hash = $1
        and (expires_at is null or expires_at > $2::timestamptz)
    ) c
    join users u on u.id = c.user_id
    limit 1`;

/** conversations.ts listConversations, first page: $1 user id, $2 limit + 1. */
export const LIST_CONVERSATIONS = `
    select id, user_id as "userId", title, created_at as "createdAt",
  updated_at as "updatedAt", message_count as "messageCount", archived from conversations
    where user_id = $1 and archived = false
    order by updated_at desc, id desc
    limit $2`;

/** conversations.ts getConversation (Drizzle's select): $1 id, $2 user id. */
export const GET_CONVERSATION = `select "id", "user_id", "title", "created_at", "updated_at", "message_count", "archived" from "conversations" where ("conversations"."id" = $1 and "conversations"."user_id" = $2) limit $3`;

const MESSAGE_COLUMNS = `coalesce(m.message_id, m.id::text) as id, m.conversation_id as "conversationId",
  m.role, m.content, m.parts, m.metadata, m.created_at as "createdAt",
  coalesce(m.updated_at, m.created_at) as "updatedAt", m.seq`;

/** messages.ts listMessages, first page: $1 limit + 1, $2 conversation id, $3 user id. */
export const LIST_MESSAGES = `
    select 1 as found, l.* from conversations c
    left join lateral (
      select ${MESSAGE_COLUMNS} from messages m
      where m.conversation_id = c.id
      order by m.created_at, m.seq
      limit $1
    ) l on true
    where c.id = $2 and c.user_id = $3
    order by l."createdAt", l.seq`;

/** idempotency.ts claim: $1 user id, $2 key, $3 request hash, $4 response json, $5 now. */
export const CLAIM_IDEMPOTENCY_KEY = `
    insert into idempotency_keys (user_id, key, request_hash, response, created_at)
    values ($1, $2, $3, $4::jsonb, $5::timestamptz)
    on conflict (user_id, key) do nothing
    returning 1 as claimed`;

/** messages.ts bumpConversation: $1 at, $2 delta, $3 conversation id, $4 user id. */
export const BUMP_CONVERSATION = `
    update conversations
    set updated_at = $1::timestamptz, message_count = message_count + $2::int
    where id = $3 and user_id = $4
    returning 1 as found`;

/**
 * usage.ts consumeUsage: $1 amount, $2 day start, $3 month start, $4 limits json, $5 free daily,
 * $6 free monthly, $7 user id.
 */
export const CONSUME_USAGE = `
    update usage set
      daily_used = case when (daily_window_start >= $2::timestamptz) then daily_used + $1::int else $1::int end,
      daily_window_start = greatest(daily_window_start, $2::timestamptz),
      monthly_used = case when (monthly_window_start >= $3::timestamptz) then monthly_used + $1::int else $1::int end,
      monthly_window_start = greatest(monthly_window_start, $3::timestamptz),
      total_used = total_used + $1::int
    where user_id = $7
      and (case when (daily_window_start >= $2::timestamptz) then daily_used else 0 end) + $1::int <= coalesce(($4::jsonb -> tier ->> 'daily')::int, $5::int)
      and (case when (monthly_window_start >= $3::timestamptz) then monthly_used else 0 end) + $1::int <= coalesce(($4::jsonb -> tier ->> 'monthly')::int, $6::int)
    returning user_id as "userId", tier, daily_used as "dailyUsed",
  daily_window_start as "dailyWindowStart", monthly_used as "monthlyUsed",
  monthly_window_start as "monthlyWindowStart", total_used as "totalUsed"`;

/**
 * messages.ts insertMessage (Drizzle's insert, server-made id): $1 id, $2 message id,
 * $3 conversation id, $4 user id, $5 role, $6 content, $7 metadata, $8 parts, $9 created at, $10 updated at (null).
 */
export const INSERT_MESSAGE = `insert into "messages" ("id", "message_id", "seq", "conversation_id", "user_id", "role", "content", "metadata", "parts", "created_at", "updated_at") values ($1, $2, default, $3, $4, $5, $6, $7, $8, $9, $10) on conflict ("id") do nothing returning "id"`;

/** search.ts searchMessages, first page, no filters: $1 query, $2 user id, $3 limit + 1. */
export const SEARCH_MESSAGES = `
    with q as (select websearch_to_tsquery('english', $1) as query)
    select ${MESSAGE_COLUMNS}, c.title as "conversationTitle", ts_rank(m.search_vector, q.query)::float8 as rank
    from q, messages m
    join conversations c on c.id = m.conversation_id
    where m.user_id = $2 and m.search_vector @@ q.query
    order by rank desc, m.created_at desc, m.conversation_id desc, coalesce(m.message_id, m.id::text) desc
    limit $3`;

/** usage.ts readUsage (Drizzle's select): $1 user id, $2 limit. */
export const READ_USAGE = `select "user_id", "tier", "daily_used", "daily_window_start", "monthly_used", "monthly_window_start", "total_used" from "usage" where "usage"."user_id" = $1 limit $2`;
