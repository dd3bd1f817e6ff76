/**
 * Full-text search over the caller's messages: websearch_to_tsquery (any user string is valid
 * syntax) against the generated search_vector column (GIN index), ranked by ts_rank.
 * ts_rank is float4; rank is compared and returned as float8 of that same value everywhere, so a
 * cursor's rank round-trips through a JS number exactly. A query with no lexemes (only stop words
 * or punctuation) matches nothing, without an error.
 */
import type { PageRequest, PageResult, SearchHit, SearchKey, SearchQuery } from '../types.js';
import { rows, type Executor, type Param } from './executor.js';
import { API_ID, MESSAGE_COLUMNS } from './messages.js';
import { toMessage, withoutSeq, type MessageRow } from './rows.js';
import { isUuid } from '../../validation/uuid.js';

interface HitRow extends MessageRow {
  conversationTitle: string;
  rank: number;
}

const RANK = 'ts_rank(m.search_vector, q.query)::float8';

/** The statement with `conditions` (each `and …`) added; $1 query, $2 user id, $3 limit + 1. */
const statement = (conditions: string): string => `
    with q as (select websearch_to_tsquery('english', $1) as query)
    select ${MESSAGE_COLUMNS}, c.title as "conversationTitle", ${RANK} as rank
    from q, messages m
    join conversations c on c.id = m.conversation_id
    where m.user_id = $2 and m.search_vector @@ q.query${conditions}
    order by rank desc, m.created_at desc, m.conversation_id desc, ${API_ID} desc
    limit $3`;

/** The first page without filters. */
export const SEARCH_MESSAGES = statement('');

/** The filters and the cursor as conditions over further parameters ($4 on). */
function conditions(query: SearchQuery, after: SearchKey | undefined): { text: string; params: Param[] } {
  const params: Param[] = [];
  const next = (value: Param): string => `$${params.push(value) + 3}`;
  let text = '';
  if (query.role) text += ` and m.role = ${next(query.role)}`;
  if (query.conversationId) text += ` and m.conversation_id = ${next(query.conversationId)}::uuid`;
  for (const [key, value] of Object.entries(query.meta ?? {})) {
    // Containment of {key: "value"}: the key must exist at the top level with that string value.
    text += ` and m.metadata @> jsonb_build_object(${next(key)}::text, ${next(value)}::text)`;
  }
  if (after) {
    const key = [`${next(after.rank)}::float8`, `${next(after.createdAt)}::timestamptz`];
    key.push(`${next(after.conversationId)}::uuid`, `${next(after.id)}::text`);
    text += ` and (${RANK}, m.created_at, m.conversation_id, ${API_ID}) < (${key.join(', ')})`;
  }
  return { text, params };
}

export async function searchMessages(
  db: Executor,
  query: SearchQuery,
  page: PageRequest<SearchKey>,
): Promise<PageResult<SearchHit>> {
  if (query.conversationId !== undefined && !isUuid(query.conversationId)) return { items: [], hasMore: false };
  const extra = conditions(query, page.after);
  const found = await rows<HitRow>(db, statement(extra.text), [query.q, query.userId, page.limit + 1, ...extra.params]);
  const items = found.slice(0, page.limit).map((r) => ({
    message: withoutSeq(toMessage(r)),
    conversationTitle: r.conversationTitle,
    rank: Number(r.rank),
  }));
  return { items, hasMore: found.length > page.limit };
}
