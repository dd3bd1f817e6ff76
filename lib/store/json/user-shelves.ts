/**
 * The catalog's per-user views, kept in step with its entries on every change (setShelved):
 * each user's entries, their summaries in list order (updatedAt desc, id desc — what the
 * conversation list pages through), the damaged files known to be theirs, how many of their
 * conversations are not kept in memory, and which of their conversations hold records of each
 * Idempotency-Key. So a list, a search or a keyed write costs what that user's page or key costs,
 * not a pass over the whole store.
 */
import type { ConversationKey } from '../types.js';
import type { ConversationSummary, Entry } from './catalog.js';

export interface UserShelf {
  entries: Map<string, Entry>;
  /** The user's summaries, newest first. */
  order: ConversationSummary[];
  damaged: Set<string>;
  /** Entries whose conversation is not kept in memory. */
  uncached: number;
  /** Idempotency-Key → the ids of the conversations whose file holds a record of it. */
  keys: Map<string, Set<string>>;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The conversation list's order: updatedAt desc, then id desc. */
export const newestFirst = (a: ConversationKey, b: ConversationKey): number =>
  cmp(b.updatedAt, a.updatedAt) || cmp(b.id, a.id);

/** The index of the first summary that comes after `key` in list order (all of them: 0). */
export function firstAfter(order: ConversationSummary[], key: ConversationKey | undefined): number {
  if (!key) return 0;
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (newestFirst(order[mid]!, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function ownerOf(entry: Entry): string | null {
  return entry.summary ? entry.summary.userId : entry.damaged.owner;
}

function shelfOf(shelves: Map<string, UserShelf>, userId: string): UserShelf {
  let shelf = shelves.get(userId);
  if (!shelf) {
    shelf = { entries: new Map(), order: [], damaged: new Set(), uncached: 0, keys: new Map() };
    shelves.set(userId, shelf);
  }
  return shelf;
}

function unshelve(shelves: Map<string, UserShelf>, id: string, entry: Entry): void {
  const owner = ownerOf(entry);
  const shelf = owner === null ? undefined : shelves.get(owner);
  if (!shelf) return;
  shelf.entries.delete(id);
  shelf.damaged.delete(id);
  const summary = entry.summary;
  if (summary) {
    const at = firstAfter(shelf.order, summary) - 1;
    if (at >= 0 && shelf.order[at] === summary) shelf.order.splice(at, 1);
    if (!entry.conversation) shelf.uncached -= 1;
    for (const record of summary.idempotency) {
      const ids = shelf.keys.get(record.key);
      ids?.delete(id);
      if (ids?.size === 0) shelf.keys.delete(record.key);
    }
  }
  if (shelf.entries.size === 0) shelves.delete(owner!);
}

/** Moves `id` from the shelf of its old entry to that of its new one (undefined: dropped). */
export function setShelved(
  shelves: Map<string, UserShelf>,
  id: string,
  old: Entry | undefined,
  entry: Entry | undefined,
): void {
  if (old) unshelve(shelves, id, old);
  const owner = entry && ownerOf(entry);
  if (!entry || owner === null || owner === undefined) return;
  const shelf = shelfOf(shelves, owner);
  shelf.entries.set(id, entry);
  const summary = entry.summary;
  if (!summary) {
    shelf.damaged.add(id);
    return;
  }
  shelf.order.splice(firstAfter(shelf.order, summary), 0, summary);
  if (!entry.conversation) shelf.uncached += 1;
  for (const record of summary.idempotency) {
    let ids = shelf.keys.get(record.key);
    if (!ids) shelf.keys.set(record.key, (ids = new Set()));
    ids.add(id);
  }
}
