/**
 * A pre-check for conversation files, ahead of zod: it accepts only what the zod schemas in
 * format.ts accept and builds the same output (unknown fields dropped, metadata defaulting to
 * {}); anything else goes through zod, which stays the authority and produces the issue
 * messages. What it buys (measured): docs/decisions/0010.
 */
import { isStorableJson, unstorableReason } from '../validation/storable-json.js';
import { isIsoInstant } from '../validation/iso-time.js';
import { isUuid } from '../validation/uuid.js';
import type { JsonObject } from '../store/types.js';
import { isMessageId, type ConversationFile, type FileMessage } from './format.js';

const isText = (v: unknown): v is string => typeof v === 'string' && unstorableReason(v) === null;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isPartsValue = (v: unknown): v is JsonObject[] | null | undefined =>
  v === undefined || v === null || (Array.isArray(v) && v.every((p) => isPlainObject(p) && isStorableJson(p)));

function quickMessage(m: unknown): FileMessage | null {
  if (!isPlainObject(m)) return null;
  const { id, role, content, metadata, createdAt, parts, updatedAt, seq } = m;
  if (!isMessageId(id) || !isText(content) || !isIsoInstant(createdAt)) return null;
  if (role !== 'user' && role !== 'assistant' && role !== 'system') return null;
  if (metadata !== undefined && !(isPlainObject(metadata) && isStorableJson(metadata))) return null;
  if (!isPartsValue(parts) || (updatedAt !== undefined && !isIsoInstant(updatedAt))) return null;
  if (seq !== undefined && !(Number.isInteger(seq) && (seq as number) >= 1)) return null;
  return {
    id,
    role,
    content,
    parts: parts ?? null,
    metadata: (metadata ?? {}) as JsonObject,
    createdAt,
    updatedAt: updatedAt ?? createdAt,
    seq: (seq as number | undefined) ?? null,
  };
}

/** The parsed conversation when every field passes, else null (the caller then asks zod why). */
export function quickConversation(raw: unknown): ConversationFile | null {
  if (!isPlainObject(raw)) return null;
  const { id, userId, title, createdAt, updatedAt, messages, archived, lastSeq } = raw;
  if (archived !== undefined && typeof archived !== 'boolean') return null;
  if (lastSeq !== undefined && !Number.isInteger(lastSeq)) return null;
  if (
    !isUuid(id) ||
    !isUuid(userId) ||
    !isText(title) ||
    !isIsoInstant(createdAt) ||
    !isIsoInstant(updatedAt) ||
    !Array.isArray(messages)
  )
    return null;
  const out: FileMessage[] = new Array<FileMessage>(messages.length);
  for (let i = 0; i < messages.length; i++) {
    const m = quickMessage(messages[i]);
    if (!m) return null;
    out[i] = m;
  }
  return { id, userId, title, archived: archived ?? false, createdAt, updatedAt, messages: out };
}
