/** The Message resource as the API shows it, and the role enum it shares with the request schemas. */
import { z } from 'zod';
import type { MessageRecord } from '../store/types.js';
import { isoTimestamp, uuid } from '../validation/resource-fields.js';
import { jsonValue } from '../validation/storable-schema.js';

export const roleSchema = z.enum(['user', 'assistant', 'system']);

/** The fields API.md shows; presentMessage copies exactly these, whatever else a store returns. */
export const publicMessage = z.object({
  /** A client-chosen id (1–128 of A–Z a–z 0–9 _ -) or a server-made UUID. */
  id: z.string(),
  conversationId: uuid,
  role: roleSchema,
  content: z.string(),
  /** Rich parts (e.g. the AI SDK's UIMessage.parts) exactly as sent; null when none were. */
  parts: z.array(z.record(z.string(), jsonValue)).nullable(),
  metadata: z.record(z.string(), jsonValue),
  createdAt: isoTimestamp,
  updatedAt: isoTimestamp,
});
export type PublicMessage = z.infer<typeof publicMessage>;

export function presentMessage(record: MessageRecord): PublicMessage {
  return {
    id: record.id,
    conversationId: record.conversationId,
    role: record.role,
    content: record.content,
    parts: record.parts,
    metadata: record.metadata,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
