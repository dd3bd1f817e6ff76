/**
 * GET /api/search: the caller's messages matching every word of `q`, best first, with optional
 * role / conversation / `meta.<key>=<value>` filters, keyset-paginated by (rank, createdAt, id).
 */
import { z } from 'zod';
import { validationFailed, type ErrorDetail } from '../errors.js';
import { roleSchema } from '../messages/messages.js';
import { presentMessage, publicMessage } from '../messages/present.js';
import { canonicalJson } from '../canonical-json.js';
import { pageQuery, pageRequest, toPage, type ListRef } from '../pagination/cursor.js';
import type { Store } from '../store/types.js';
import { unstorableReason } from '../validation/storable-json.js';
import { storable } from '../validation/storable-schema.js';
import { uuidSchema } from '../validation/uuid.js';
import { snippet } from './snippet.js';

export const MAX_META_FILTERS = 20;
const META_PREFIX = 'meta.';

export const searchQuery = pageQuery.extend({
  q: storable(z.string().trim().min(1).max(200)),
  role: roleSchema.optional(),
  conversationId: uuidSchema.optional(),
});
export type SearchQueryParams = z.infer<typeof searchQuery>;

export const searchItem = z.object({ message: publicMessage, conversationTitle: z.string(), snippet: z.string() });
export type SearchItem = z.infer<typeof searchItem>;

function metaProblem(key: string, value: string): string | null {
  if (key.length === 0 || key.length > 200) return 'key must be 1–200 characters';
  if (value.length > 1000) return 'value must be at most 1000 characters';
  return unstorableReason(key) ?? unstorableReason(value);
}

/**
 * `meta.<key>=<value>` parameters as key → value (a repeated key keeps its last value). The map
 * has no prototype and keys are defined, not assigned, so `meta.__proto__=x` is a filter like any other.
 */
export function metaFilters(raw: URLSearchParams): Record<string, string> | undefined {
  const meta = Object.create(null) as Record<string, string>;
  const details: ErrorDetail[] = [];
  for (const [name, value] of raw) {
    if (!name.startsWith(META_PREFIX)) continue;
    const key = name.slice(META_PREFIX.length);
    const problem = metaProblem(key, value);
    if (problem) details.push({ path: name, message: problem });
    else Object.defineProperty(meta, key, { value, enumerable: true, writable: true, configurable: true });
  }
  if (Object.keys(meta).length > MAX_META_FILTERS) {
    details.push({ path: 'meta', message: `at most ${MAX_META_FILTERS} meta filters` });
  }
  if (details.length > 0) throw validationFailed(details);
  return Object.keys(meta).length > 0 ? meta : undefined;
}

export async function searchMessages(
  store: Store,
  userId: string,
  params: SearchQueryParams,
  meta: Record<string, string> | undefined,
) {
  const query = { userId, q: params.q, role: params.role, conversationId: params.conversationId?.toLowerCase(), meta };
  // A cursor is bound to the query and its filters: one from another search is a 400.
  const { userId: _user, ...filters } = query;
  const list: ListRef<'search'> = { kind: 'search', scope: canonicalJson(filters) };
  const page = await store.searchMessages(query, pageRequest(list, params));
  return toPage(
    list,
    page,
    (hit) => ({
      rank: hit.rank,
      createdAt: hit.message.createdAt,
      conversationId: hit.message.conversationId,
      id: hit.message.id,
    }),
    (hit): SearchItem => ({
      message: presentMessage(hit.message),
      conversationTitle: hit.conversationTitle,
      snippet: snippet(hit.message.content, params.q),
    }),
  );
}
