/**
 * Search for the JSON store: a message matches when its content contains every query word,
 * case-insensitively (API.md's fallback rule). Rank is the number of occurrences of the query
 * words damped by the log of the content length; hits are ordered rank desc, createdAt desc,
 * conversationId desc, id desc, and paged by keyset on those four. It scans the user's conversations
 * as the catalog keeps them in memory (within its budget; the others are read from their files),
 * with each message's lower-cased content computed once per version of the message.
 */
import type { PageRequest, PageResult, SearchHit, SearchKey, SearchQuery } from '../types.js';
import { inBatches, userShelf } from './catalog.js';
import { readConversation, type ConversationFiles } from './conversations.js';
import { canonicalId, toMessageRecord, type StoredConversation, type StoredMessage } from './format.js';
import { indexedCandidates } from './search-index.js';
import { TopRows } from './top-rows.js';

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
  return rankLowered(content.toLowerCase(), words);
}

function rankLowered(text: string, words: string[]): number | null {
  let hits = 0;
  for (const word of words) {
    const n = occurrences(text, word);
    if (n === 0) return null;
    hits += n;
  }
  // Rounded so the rank survives a round trip through a cursor unchanged.
  return Math.round((hits / (1 + Math.log(1 + text.length))) * 1e6) / 1e6;
}

function matchesFilters(message: StoredMessage, query: SearchQuery, meta: Array<[string, unknown]>): boolean {
  if (query.role && message.role !== query.role) return false;
  for (const [key, value] of meta) {
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

interface Hit {
  key: SearchKey;
  conversation: StoredConversation;
  message: StoredMessage;
}

interface Matcher {
  words: string[];
  query: SearchQuery;
  meta: Array<[string, unknown]>;
  after: SearchKey | undefined;
  /** The page's hits so far (limit + 1 of them at most) and how many matched in all. */
  hits: TopRows<Hit>;
}

function consider(m: Matcher, conversation: StoredConversation, message: StoredMessage, lower: string): void {
  if (!matchesFilters(message, m.query, m.meta)) return;
  const rank = rankLowered(lower, m.words);
  if (rank === null) return;
  const key = { rank, createdAt: message.createdAt, conversationId: conversation.id, id: message.id };
  if (m.after && compareHits(key, m.after) <= 0) return;
  m.hits.offer({ key, conversation, message });
}

/** Hits in conversations the catalog keeps (through the word index) and in the others (read from their files). */
async function collect(files: ConversationFiles, userId: string, only: string | undefined, m: Matcher): Promise<void> {
  const shelf = await userShelf(files.catalog, userId);
  for (const p of indexedCandidates(files.catalog, userId, shelf, m.words))
    if (!only || p.conversation.id === only) consider(m, p.conversation, p.message, p.lower);
  const uncached =
    shelf.uncached === 0
      ? []
      : [...shelf.entries.values()].filter((e) => e.summary && !e.conversation && (!only || e.summary.id === only));
  await inBatches(uncached, async (entry) => {
    const conversation = await readConversation(files, entry.summary!.id);
    if (!conversation || conversation.userId !== userId) return;
    for (const message of conversation.messages) consider(m, conversation, message, message.content.toLowerCase());
  });
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
    const hits = new TopRows<Hit>(page.limit + 1, (a, b) => compareHits(a.key, b.key));
    const m: Matcher = { words, query, meta: Object.entries(query.meta ?? {}), after: page.after, hits };
    await collect(files, userId, onlyConversation, m);
    const items = hits.rows.slice(0, page.limit).map(({ key, conversation, message }) => ({
      message: toMessageRecord(conversation.id, message),
      conversationTitle: conversation.title,
      rank: key.rank,
    }));
    return { items, hasMore: hits.rows.length > page.limit };
  });
}
