/**
 * The one rule for `PUT /api/conversations/{id}/messages` (the whole list), shared by both
 * backends: stored messages named in the list are kept (same body) or replaced (body changed),
 * ids not stored yet are created after them in list order, stored ones left out are deleted.
 * A list that puts a stored message after a new one, or reorders stored ones, is a 409: the
 * stored order (and so every cursor handed out) never changes under a whole-list write.
 */
import { conflict, validationFailed } from '../errors.js';
import type { JsonValue, MessageBody, MessageRecord } from '../store/types.js';

export interface ListPlan<S extends MessageRecord> {
  /** Stored messages whose body changed, with the new body. */
  replace: Array<{ stored: S; body: MessageBody }>;
  /** New messages, in list order. */
  create: MessageBody[];
  /** Stored messages not in the list. */
  remove: S[];
  /** True when the plan writes nothing. */
  unchanged: boolean;
}

/** Structural equality of JSON values; object key order does not matter. */
export function sameJson(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  }
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]));
}

/** Whether replacing `stored` with `body` would change nothing. */
export function sameBody(stored: MessageBody, body: MessageBody): boolean {
  return (
    stored.role === body.role &&
    stored.content === body.content &&
    sameJson(stored.parts, body.parts) &&
    sameJson(stored.metadata, body.metadata)
  );
}

/** The plan turning `stored` (in list order) into `incoming`; 400 on duplicate ids, 409 on a reorder. */
export function planList<S extends MessageRecord>(stored: readonly S[], incoming: readonly MessageBody[]): ListPlan<S> {
  const position = new Map(stored.map((m, i) => [m.id, i] as const));
  const seen = new Set<string>();
  const plan: ListPlan<S> = { replace: [], create: [], remove: [], unchanged: true };
  let lastStored = -1;
  incoming.forEach((body, i) => {
    if (seen.has(body.id)) throw validationFailed([{ path: `messages.${i}.id`, message: 'is listed twice' }]);
    seen.add(body.id);
    const at = position.get(body.id);
    if (at === undefined) {
      plan.create.push(body);
      return;
    }
    if (plan.create.length > 0 || at < lastStored) {
      throw conflict('messages', 'The list must keep stored messages in their order, before any new one.');
    }
    lastStored = at;
    const current = stored[at]!;
    if (!sameBody(current, body)) plan.replace.push({ stored: current, body });
  });
  plan.remove = stored.filter((m) => !seen.has(m.id));
  plan.unchanged = plan.replace.length === 0 && plan.create.length === 0 && plan.remove.length === 0;
  return plan;
}

/** How many units a set of new messages costs: only `user` messages count. */
export function quotaUnits(created: readonly MessageBody[]): number {
  return created.filter((m) => m.role === 'user').length;
}

/** When new messages are created: `now`, or the last stored message's createdAt if a clock ran ahead, so they list after it. */
export function creationTime(stored: readonly MessageRecord[], now: string): string {
  const last = stored.at(-1)?.createdAt;
  return last !== undefined && last > now ? last : now;
}

/** The conversation's messages after the plan: kept and replaced ones in stored order, then the new ones. */
export function finalList(
  conversationId: string,
  stored: readonly MessageRecord[],
  plan: ListPlan<MessageRecord>,
  now: string,
  createdAt: string,
): MessageRecord[] {
  const removed = new Set(plan.remove.map((m) => m.id));
  const replaced = new Map(plan.replace.map((r) => [r.stored.id, r.body] as const));
  const kept = stored
    .filter((m) => !removed.has(m.id))
    .map((m) => {
      const body = replaced.get(m.id);
      return body ? { ...m, ...body, updatedAt: now } : m;
    });
  const created = plan.create.map((body) => ({ ...body, conversationId, createdAt, updatedAt: createdAt }));
  return [...kept, ...created];
}
