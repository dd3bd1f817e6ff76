/**
 * Full-text search over the caller's messages: websearch_to_tsquery (any user string is valid
 * syntax) against the generated search_vector column (GIN index), ranked by ts_rank.
 * ts_rank is float4; rank is compared and returned as float8 of that same value everywhere, so a
 * cursor's rank round-trips through a JS number exactly. A query with no lexemes (only stop words
 * or punctuation) matches nothing, without an error.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { PageRequest, PageResult, SearchHit, SearchKey, SearchQuery } from '../types.js';
import type { Executor } from './executor.js';
import { API_ID, MESSAGE_COLUMNS } from './messages.js';
import { toMessage, withoutSeq, type MessageRow } from './rows.js';
import { isUuid } from '../../validation/uuid.js';

interface HitRow extends MessageRow {
  conversationTitle: string;
  rank: number;
}

function filters(query: SearchQuery): SQL[] {
  const out: SQL[] = [];
  if (query.role) out.push(sql`and m.role = ${query.role}`);
  if (query.conversationId) out.push(sql`and m.conversation_id = ${query.conversationId}::uuid`);
  for (const [key, value] of Object.entries(query.meta ?? {})) {
    // Containment of {key: "value"}: the key must exist at the top level with that string value.
    out.push(sql`and m.metadata @> jsonb_build_object(${key}::text, ${value}::text)`);
  }
  return out;
}

export async function searchMessages(
  db: Executor,
  query: SearchQuery,
  page: PageRequest<SearchKey>,
): Promise<PageResult<SearchHit>> {
  if (query.conversationId !== undefined && !isUuid(query.conversationId)) return { items: [], hasMore: false };
  const rank = sql`ts_rank(m.search_vector, q.query)::float8`;
  const after = page.after
    ? sql`and (${rank}, m.created_at, m.conversation_id, ${API_ID}) < (${page.after.rank}::float8,
        ${page.after.createdAt}::timestamptz, ${page.after.conversationId}::uuid, ${page.after.id}::text)`
    : sql``;
  const rows = await db.execute<HitRow & Record<string, unknown>>(sql`
    with q as (select websearch_to_tsquery('english', ${query.q}) as query)
    select ${MESSAGE_COLUMNS}, c.title as "conversationTitle", ${rank} as rank
    from q, messages m
    join conversations c on c.id = m.conversation_id
    where m.user_id = ${query.userId} and m.search_vector @@ q.query
      ${sql.join(filters(query), sql` `)}
      ${after}
    order by rank desc, m.created_at desc, m.conversation_id desc, ${API_ID} desc
    limit ${page.limit + 1}`);
  const items = rows.slice(0, page.limit).map((r) => ({
    message: withoutSeq(toMessage(r)),
    conversationTitle: r.conversationTitle,
    rank: Number(r.rank),
  }));
  return { items, hasMore: rows.length > page.limit };
}
