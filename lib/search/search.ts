/**
 * GET /api/search: the caller's messages matching every word of `q`, best first, with optional
 * role / conversation / `meta.<key>=<value>` filters, keyset-paginated by (rank, createdAt, id).
 */
import { z } from 'zod';
import { validationFailed, type ErrorDetail } from '../errors.js';
import { roleSchema } from '../messages/messages.js';
import { presentMessage, type PublicMessage } from '../messages/present.js';
import { pageQuery, pageRequest, toPage } from '../pagination/cursor.js';
import type { Store } from '../store/types.js';
import { unstorableReason } from '../validation/storable-text.js';
import { storable } from '../validation/storable-schema.js';
import { snippet } from './snippet.js';

export const MAX_META_FILTERS = 20;
const META_PREFIX = 'meta.';

export const searchQuery = pageQuery.extend({
  q: storable(z.string().trim().min(1).max(200)),
  role: roleSchema.optional(),
  conversationId: z.uuid().optional(),
});
export type SearchQueryParams = z.infer<typeof searchQuery>;

export interface SearchItem {
  message: PublicMessage;
  conversationTitle: string;
  snippet: string;
}

function metaProblem(key: string, value: string): string | null {
  if (key.length === 0 || key.length > 200) return 'key must be 1–200 characters';
  if (value.length > 1000) return 'value must be at most 1000 characters';
  return unstorableReason(key) ?? unstorableReason(value);
}

/** `meta.<key>=<value>` parameters as key → value (a repeated key keeps its last value). */
export function metaFilters(raw: URLSearchParams): Record<string, string> | undefined {
  const meta: Record<string, string> = {};
  const details: ErrorDetail[] = [];
  for (const [name, value] of raw) {
    if (!name.startsWith(META_PREFIX)) continue;
    const key = name.slice(META_PREFIX.length);
    const problem = metaProblem(key, value);
    if (problem) details.push({ path: name, message: problem });
    else meta[key] = value;
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
  const page = await store.searchMessages(
    {
      userId,
      q: params.q,
      role: params.role,
      conversationId: params.conversationId?.toLowerCase(),
      meta,
    },
    pageRequest('search', params),
  );
  return toPage(
    'search',
    page,
    (hit) => ({ rank: hit.rank, createdAt: hit.message.createdAt, conversationId: hit.message.conversationId, id: hit.message.id }),
    (hit): SearchItem => ({
      message: presentMessage(hit.message),
      conversationTitle: hit.conversationTitle,
      snippet: snippet(hit.message.content, params.q),
    }),
  );
}
