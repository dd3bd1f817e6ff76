/** The Message resource as the API shows it. */
import type { JsonObject, MessageRecord, Role } from '../store/types.js';

export interface PublicMessage {
  id: string;
  conversationId: string;
  role: Role;
  content: string;
  metadata: JsonObject;
  createdAt: string;
}

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
