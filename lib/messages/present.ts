/** The Message resource as the API shows it. */
import type { MessageRecord } from '../store/types.js';

/** The fields API.md shows; presentMessage copies exactly these, whatever else a store returns. */
export type PublicMessage = Pick<
  MessageRecord,
  'id' | 'conversationId' | 'role' | 'content' | 'parts' | 'metadata' | 'createdAt' | 'updatedAt'
>;

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
