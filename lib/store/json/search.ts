/**
 * Search for the JSON store: a message matches when its content contains every query word,
 * case-insensitively (API.md's fallback rule). Rank is the number of occurrences of the query
 * words damped by the log of the content length; hits are ordered rank desc, createdAt desc,
 * conversationId desc, id desc, and paged by keyset on those four. It scans the user's conversation files.
 */
import type { PageRequest, PageResult, SearchHit, SearchKey, SearchQuery } from '../types.js';
import { inBatches, userConversations } from './catalog.js';
import { readConversation, type ConversationFiles } from './conversations.js';
import { canonicalId, toMessageRecord, type StoredMessage } from './format.js';

const EDGE_PUNCTUATION = /^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu;

/** The query's words: split on whitespace, surrounding punctuation stripped, lower-cased, unique. */
export function queryWords(q: string): string[] {
  const words = q
    .split(/\s+/)
    .map((word) => word.replace(EDGE_PUNCTUATION, '').toLowerCase())
    .filter((word) => word.length > 0);
  return [...new Set(words)];
}

function occurrences(haystack: string, needle: string): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) count += 1;
  return count;
}

/** The rank of a message for `words`, or null when it does not contain all of them. */
export function rankContent(content: string, words: string[]): number | null {
  const text = content.toLowerCase();
  let hits = 0;
  for (const word of words) {
    const n = occurrences(text, word);
    if (n === 0) return null;
    hits += n;
  }
  // Rounded so the rank survives a round trip through a cursor unchanged.
  return Math.round((hits / (1 + Math.log(1 + text.length))) * 1e6) / 1e6;
}

function matchesFilters(message: StoredMessage, query: SearchQuery): boolean {
  if (query.role && message.role !== query.role) return false;
  for (const [key, value] of Object.entries(query.meta ?? {})) {
    // Own keys only: `__proto__` or `constructor` must not read through to Object.prototype.
    if (!Object.hasOwn(message.metadata, key) || message.metadata[key] !== value) return false;
  }
  return true;
}

function compareHits(a: SearchKey, b: SearchKey): number {
  if (a.rank !== b.rank) return b.rank - a.rank;
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  if (a.conversationId !== b.conversationId) return a.conversationId < b.conversationId ? 1 : -1;
  return a.id === b.id ? 0 : a.id < b.id ? 1 : -1;
}

export async function searchMessages(
  files: ConversationFiles,
  query: SearchQuery,
  page: PageRequest<SearchKey>,
): Promise<PageResult<SearchHit>> {
  const words = queryWords(query.q);
  const userId = canonicalId(query.userId);
  const onlyConversation = query.conversationId === undefined ? undefined : canonicalId(query.conversationId);
  if (words.length === 0 || userId === null || onlyConversation === null) return { items: [], hasMore: false };
  return files.data.read(async () => {
    const summaries = (await userConversations(files.catalog, userId)).filter(
      (s) => !onlyConversation || s.id === onlyConversation,
    );
    const hits: Array<SearchHit & { key: SearchKey }> = [];
    await inBatches(summaries, async (summary) => {
      const conversation = await readConversation(files, summary.id);
      if (!conversation || conversation.userId !== userId) return;
      for (const message of conversation.messages) {
        if (!matchesFilters(message, query)) continue;
        const rank = rankContent(message.content, words);
        if (rank === null) continue;
        const key = { rank, createdAt: message.createdAt, conversationId: conversation.id, id: message.id };
        if (page.after && compareHits(key, page.after) <= 0) continue;
        hits.push({
          message: toMessageRecord(conversation.id, message),
          conversationTitle: conversation.title,
          rank,
          key,
        });
      }
    });
    hits.sort((a, b) => compareHits(a.key, b.key));
    const items = hits.slice(0, page.limit).map(({ key: _key, ...hit }) => hit);
    return { items, hasMore: hits.length > page.limit };
  });
}
