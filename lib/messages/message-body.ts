/**
 * What a client may send as a message (API.md, Messages): an optional client-chosen `id`, a
 * role, `content` and/or rich `parts` (e.g. the AI SDK's UIMessage.parts, kept exactly as sent),
 * metadata. When `content` is omitted it is the text of the `text` parts joined by "\n", which
 * is what search matches.
 */
import { z } from 'zod';
import type { JsonObject, MessageBody } from '../store/types.js';
import { storable, storableJsonObject } from '../validation/storable-schema.js';
import { roleSchema } from './present.js';

export const CONTENT_MAX = 100_000;
export const METADATA_MAX_BYTES = 64 * 1024;
export const PARTS_MAX = 1_000;
export const PARTS_MAX_BYTES = 512 * 1024;

/** A message id a client may choose: 1–128 of A–Z a–z 0–9 _ - (server-made UUIDs fit too). */
export const MESSAGE_ID = /^[A-Za-z0-9_-]{1,128}$/;
export const messageIdSchema = z.string().regex(MESSAGE_ID, 'must be 1–128 characters of A–Z a–z 0–9 _ -');

const partSchema = storableJsonObject(PARTS_MAX_BYTES).refine((part) => typeof part.type === 'string', {
  message: 'every part needs a string "type"',
});

export const partsSchema = z
  .array(partSchema)
  .max(PARTS_MAX)
  .refine((parts) => Buffer.byteLength(JSON.stringify(parts), 'utf8') <= PARTS_MAX_BYTES, {
    message: `must be at most ${PARTS_MAX_BYTES} bytes when serialized as JSON`,
  });

const fields = {
  role: roleSchema,
  content: storable(z.string().max(CONTENT_MAX)).optional(),
  parts: partsSchema.optional(),
  metadata: storableJsonObject(METADATA_MAX_BYTES).default({}),
};

type Fields = { content?: string; parts?: JsonObject[] };
const hasBody = (m: Fields): boolean => (m.content !== undefined && m.content.length > 0) || (m.parts?.length ?? 0) > 0;
const bodyRule = { message: 'a message needs a non-empty content or non-empty parts', path: ['content'] };

/** POST …/messages: the id is optional (the server makes a UUID). */
export const appendMessageBody = z.object({ id: messageIdSchema.optional(), ...fields }).refine(hasBody, bodyRule);
/** PUT …/messages/{messageId}: the id is in the path. */
export const putMessageBody = z.object(fields).refine(hasBody, bodyRule);
/** PUT …/messages: the whole list; every item names its id. */
export const replaceMessagesBody = z.object({
  messages: z
    .array(z.object({ id: messageIdSchema, ...fields }).refine(hasBody, bodyRule))
    .min(1)
    .max(500),
});

/** DELETE …/messages?after={messageId}. */
export const deleteAfterQuery = z.object({ after: messageIdSchema });

export type AppendMessageBody = z.infer<typeof appendMessageBody>;
export type PutMessageBody = z.infer<typeof putMessageBody>;
export type ReplaceMessagesBody = z.infer<typeof replaceMessagesBody>;

/** The text of the `text` parts, joined by "\n". */
export function textOfParts(parts: readonly JsonObject[]): string {
  return parts
    .filter((p) => p.type === 'text' && typeof p.text === 'string')
    .map((p) => p.text as string)
    .join('\n');
}

/** A validated body as the store takes it: content filled in from the parts when omitted, parts null when none. */
export function toMessageBody(id: string, body: Fields & Pick<MessageBody, 'role' | 'metadata'>): MessageBody {
  const parts = body.parts ?? null;
  return {
    id,
    role: body.role,
    content: body.content ?? (parts ? textOfParts(parts) : ''),
    parts,
    metadata: body.metadata,
  };
}
