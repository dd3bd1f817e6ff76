/**
 * The JSON store's in-memory word index for search, one per user, built on the user's first
 * search from the conversations the catalog keeps in memory and kept in step with them: before
 * each search, a conversation whose cached object changed (the catalog replaces the object when
 * its file changes) is re-indexed, and one that is gone is dropped. It maps each whitespace-separated
 * token of the lower-cased content to the messages holding it. A query word never contains
 * whitespace, so every message whose content contains it holds a token containing it: the messages
 * of the tokens that contain the query's rarest word are a superset of the hits, and search then
 * checks each of them with the exact rule (rankContent). So the index only narrows the scan; what
 * matches and how it ranks are unchanged. Its size is bounded by the catalog's memory budget
 * (it indexes only conversations the catalog keeps).
 */
import type { Catalog } from './catalog.js';
import type { UserShelf } from './user-shelves.js';
import type { StoredConversation, StoredMessage } from './format.js';

export interface Posting {
  conversation: StoredConversation;
  message: StoredMessage;
  /** The message's content, lower-cased. */
  lower: string;
}

const WHITESPACE = /\s+/;

/** Past this many changed conversations an index re-checks all of its user's instead. */
const MAX_DIRTY = 1_000;

class UserIndex {
  private readonly tokens = new Map<string, Set<Posting>>();
  private readonly byConversation = new Map<string, { conversation: StoredConversation; postings: Posting[] }>();
  /** Conversations changed in the catalog since the last sync; null: re-check them all. */
  private dirty: Set<string> | null = null;

  constructor(private readonly userId: string) {}

  changed(id: string): void {
    if (this.dirty === null) return;
    this.dirty.add(id);
    if (this.dirty.size > MAX_DIRTY) this.dirty = null;
  }

  /** Brings the index in step with the user's cached conversations (`shelf`: the user's). */
  sync(catalog: Catalog, shelf: UserShelf): void {
    if (this.dirty === null) {
      const live = new Set<string>();
      for (const entry of shelf.entries.values()) if (entry.conversation) live.add(this.update(entry.conversation));
      for (const id of [...this.byConversation.keys()]) if (!live.has(id)) this.remove(id);
    } else {
      for (const id of this.dirty) {
        const entry = catalog.entries.get(id);
        if (entry?.conversation && entry.summary.userId === this.userId) this.update(entry.conversation);
        else this.remove(id);
      }
    }
    this.dirty = new Set();
  }

  private update(conversation: StoredConversation): string {
    const indexed = this.byConversation.get(conversation.id);
    if (indexed?.conversation === conversation) return conversation.id;
    if (indexed) this.remove(conversation.id);
    this.add(conversation);
    return conversation.id;
  }

  /** The posting sets of the tokens containing `word`: together a superset of the messages that do. */
  candidates(word: string): Array<Set<Posting>> {
    const out: Array<Set<Posting>> = [];
    for (const [token, postings] of this.tokens) if (token.includes(word)) out.push(postings);
    return out;
  }

  private add(conversation: StoredConversation): void {
    const postings = conversation.messages.map((message) => ({
      conversation,
      message,
      lower: message.content.toLowerCase(),
    }));
    for (const posting of postings) {
      for (const token of new Set(posting.lower.split(WHITESPACE))) {
        if (token === '') continue;
        let set = this.tokens.get(token);
        if (!set) this.tokens.set(token, (set = new Set()));
        set.add(posting);
      }
    }
    this.byConversation.set(conversation.id, { conversation, postings });
  }

  private remove(id: string): void {
    const indexed = this.byConversation.get(id);
    if (!indexed) return;
    for (const posting of indexed.postings) {
      for (const token of new Set(posting.lower.split(WHITESPACE))) {
        const set = this.tokens.get(token);
        set?.delete(posting);
        if (set?.size === 0) this.tokens.delete(token);
      }
    }
    this.byConversation.delete(id);
  }
}

const indexes = new WeakMap<Catalog, Map<string, UserIndex>>();

function indexOf(catalog: Catalog, userId: string): UserIndex {
  let perUser = indexes.get(catalog);
  if (!perUser) {
    const created = new Map<string, UserIndex>();
    catalog.listeners.add((id) => {
      for (const index of created.values()) index.changed(id);
    });
    indexes.set(catalog, (perUser = created));
  }
  let index = perUser.get(userId);
  if (!index) perUser.set(userId, (index = new UserIndex(userId)));
  return index;
}

/**
 * The candidate messages for `words` among the user's cached conversations (`shelf`): those of the word with the fewest candidates. Call right after refreshing the catalog.
 */
export function indexedCandidates(
  catalog: Catalog,
  userId: string,
  shelf: UserShelf,
  words: string[],
): ReadonlySet<Posting> {
  const index = indexOf(catalog, userId);
  index.sync(catalog, shelf);
  let best: Array<Set<Posting>> | undefined;
  let bestSize = Infinity;
  for (const word of words) {
    const sets = index.candidates(word);
    const size = sets.reduce((sum, set) => sum + set.size, 0);
    if (size < bestSize) [best, bestSize] = [sets, size];
    if (size === 0) break;
  }
  if (!best || best.length === 0) return new Set();
  if (best.length === 1) return best[0]!;
  const union = new Set<Posting>();
  for (const set of best) for (const posting of set) union.add(posting);
  return union;
}
