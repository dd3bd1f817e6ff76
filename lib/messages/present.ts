/** The Message resource as the API shows it, and the role enum it shares with the request schemas. */
import { z } from 'zod';
import type { MessageRecord } from '../store/types.js';
import { isoTimestamp, uuid } from '../validation/resource-fields.js';
import { jsonValue } from '../validation/storable-schema.js';

export const roleSchema = z.enum(['user', 'assistant', 'system']);

/** The fields API.md shows; presentMessage copies exactly these, whatever else a store returns. */
export const publicMessage = z.object({
  id: uuid,
  conversationId: uuid,
  role: roleSchema,
  content: z.string(),
  metadata: z.record(z.string(), jsonValue),
  createdAt: isoTimestamp,
});
export type PublicMessage = z.infer<typeof publicMessage>;

export function presentMessage(record: MessageRecord): PublicMessage {
  return {
    id: record.id,
    conversationId: record.conversationId,
    role: record.role,
    content: record.content,
    metadata: record.metadata,
    createdAt: record.createdAt,
  };
}
