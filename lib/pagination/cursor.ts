/**
 * Opaque keyset cursors: base64url JSON of the last item's sort key, tagged with the list it
 * belongs to, so a cursor from one list cannot be replayed against another. A cursor that does
 * not decode to a valid key is a 400 on `cursor`, never a 500 or an empty page.
 */
import { z } from 'zod';
import { validationFailed } from '../errors.js';
import type { ConversationKey, MessageKey, PageResult, SearchKey } from '../store/types.js';

const iso = z.iso.datetime({ precision: 3 });
const id = z.uuid();
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

const cursorEnvelope = z.object({ k: z.enum(['conversations', 'messages', 'search']), v: z.unknown() });

export function encodeCursor<K extends CursorKind>(kind: K, key: KeyOf[K]): string {
  return Buffer.from(JSON.stringify({ k: kind, v: key }), 'utf8').toString('base64url');
}

const invalidCursor = () => validationFailed([{ path: 'cursor', message: 'is not a valid cursor' }]);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // The parse error says nothing the client can act on; the 400 names the field instead.
    return undefined;
  }
}

/** Decodes a cursor of `kind`; throws 400 validation_failed on path `cursor` when malformed. */
export function decodeCursor<K extends CursorKind>(kind: K, cursor: string): KeyOf[K] {
  if (!/^[A-Za-z0-9_-]{1,1000}$/.test(cursor)) throw invalidCursor();
  const envelope = cursorEnvelope.safeParse(parseJson(Buffer.from(cursor, 'base64url').toString('utf8')));
  if (!envelope.success || envelope.data.k !== kind) throw invalidCursor();
  const key = keySchemas[kind].safeParse(envelope.data.v);
  if (!key.success) throw invalidCursor();
  return key.data as KeyOf[K];
}

/** `?limit` (1–100, default 20) and `?cursor` for every list endpoint. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(1000).optional(),
});
export type PageQuery = z.infer<typeof pageQuery>;

/** The store page request for a parsed page query. */
export function pageRequest<K extends CursorKind>(kind: K, query: PageQuery): { limit: number; after?: KeyOf[K] } {
  return query.cursor === undefined ? { limit: query.limit } : { limit: query.limit, after: decodeCursor(kind, query.cursor) };
}

/** The API page `{ items, nextCursor }`: nextCursor encodes the last item's key when more exist. */
export function toPage<T, P, K extends CursorKind>(
  kind: K,
  result: PageResult<T>,
  keyOf: (item: T) => KeyOf[K],
  present: (item: T) => P,
): { items: P[]; nextCursor: string | null } {
  const last = result.items.at(-1);
  return {
    items: result.items.map(present),
    nextCursor: result.hasMore && last !== undefined ? encodeCursor(kind, keyOf(last)) : null,
  };
}
