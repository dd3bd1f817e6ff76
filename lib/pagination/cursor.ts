/**
 * Opaque keyset cursors: base64url JSON of the last item's sort key, bound to the list it came
 * from: the list's kind plus a scope naming that exact list (for messages the conversation id, for
 * search the query and its filters), kept as a short hash. A cursor replayed against another list,
 * or one that does not decode to a valid key (timestamps outside years 0001–9999 included, which
 * PostgreSQL would refuse with 22008), is a 400 on `cursor`, never a 500 or a wrong page.
 * Cursors issued before scopes existed carry none and are refused the same way.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { validationFailed } from '../errors.js';
import type { ConversationKey, MessageKey, PageResult, SearchKey } from '../store/types.js';
import { isIsoInstant } from '../validation/iso-time.js';
import { uuidSchema } from '../validation/uuid.js';

const iso = z.string().refine(isIsoInstant);
const id = uuidSchema;
/** Message ids: client-chosen (lib/messages/message-body.ts) or server-made UUIDs. */
const messageId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);

const keySchemas = {
  conversations: z.object({ updatedAt: iso, id }).strict(),
  messages: z.object({ createdAt: iso, seq: z.number().int().nonnegative() }).strict(),
  search: z.object({ rank: z.number().finite(), createdAt: iso, conversationId: id, id: messageId }).strict(),
} as const;

export type CursorKind = keyof typeof keySchemas;
interface KeyOf {
  conversations: ConversationKey;
  messages: MessageKey;
  search: SearchKey;
}

/** The list a cursor belongs to: its kind and a scope string that identifies it among lists of that kind. */
export interface ListRef<K extends CursorKind> {
  kind: K;
  scope: string;
}

const cursorEnvelope = z.object({
  k: z.enum(['conversations', 'messages', 'search']),
  s: z.string(),
  v: z.unknown(),
});

/** A short digest of the scope: enough to tell lists apart, and it keeps the cursor small and opaque. */
const scopeTag = (scope: string): string => createHash('sha256').update(scope, 'utf8').digest('base64url').slice(0, 16);

export function encodeCursor<K extends CursorKind>(list: ListRef<K>, key: KeyOf[K]): string {
  return Buffer.from(JSON.stringify({ k: list.kind, s: scopeTag(list.scope), v: key }), 'utf8').toString('base64url');
}

const invalidCursor = () => validationFailed([{ path: 'cursor', message: 'is not a valid cursor for this list' }]);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // The parse error says nothing the client can act on; the 400 names the field instead.
    return undefined;
  }
}

/** Decodes a cursor of `list`; throws 400 validation_failed on path `cursor` when malformed or from another list. */
export function decodeCursor<K extends CursorKind>(list: ListRef<K>, cursor: string): KeyOf[K] {
  if (!/^[A-Za-z0-9_-]{1,1000}$/.test(cursor)) throw invalidCursor();
  const envelope = cursorEnvelope.safeParse(parseJson(Buffer.from(cursor, 'base64url').toString('utf8')));
  if (!envelope.success || envelope.data.k !== list.kind || envelope.data.s !== scopeTag(list.scope))
    throw invalidCursor();
  const key = keySchemas[list.kind].safeParse(envelope.data.v);
  if (!key.success) throw invalidCursor();
  return key.data as KeyOf[K];
}

const LIMIT_MESSAGE = 'must be an integer from 1 to 100, written in decimal digits only';

/**
 * `?limit`: only canonical decimal integers 1–100 (no sign, exponent, hex, leading zero, fraction
 * or spaces); default 20. A repeated parameter arrives as an array and is refused by the string schema.
 */
export const limitParam = z
  .string()
  .regex(/^(?:[1-9][0-9]?|100)$/, LIMIT_MESSAGE)
  .default('20')
  .transform(Number);

/** `?limit` and `?cursor` for every list endpoint. */
export const pageQuery = z.object({
  limit: limitParam,
  cursor: z.string().min(1).max(1000).optional(),
});
export type PageQuery = z.infer<typeof pageQuery>;

/** The store page request for a parsed page query of `list`. */
export function pageRequest<K extends CursorKind>(
  list: ListRef<K>,
  query: PageQuery,
): { limit: number; after?: KeyOf[K] } {
  return query.cursor === undefined
    ? { limit: query.limit }
    : { limit: query.limit, after: decodeCursor(list, query.cursor) };
}

/** The schema of an API page of `item`s. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** The API page `{ items, nextCursor }`: nextCursor encodes the last item's key, bound to `list`, when more exist. */
export function toPage<T, P, K extends CursorKind>(
  list: ListRef<K>,
  result: PageResult<T>,
  keyOf: (item: T) => KeyOf[K],
  present: (item: T) => P,
): { items: P[]; nextCursor: string | null } {
  const last = result.items.at(-1);
  return {
    items: result.items.map(present),
    nextCursor: result.hasMore && last !== undefined ? encodeCursor(list, keyOf(last)) : null,
  };
}
