/**
 * A pre-check for conversation files, ahead of zod: it accepts only what the zod schemas in
 * format.ts accept and builds the same output (unknown fields dropped, metadata defaulting to
 * {}); anything else goes through zod, which stays the authority and produces the issue
 * messages. What it buys (measured): docs/decisions/0007.
 */
import { unstorableReason } from '../validation/storable-text.js';
import type { JsonObject } from '../store/types.js';
import type { StoredMessage } from '../store/json/format.js';
import type { ConversationFile } from './format.js';

// The same pattern as zod's z.guid(): any 8-4-4-4-12 hex, which is what PostgreSQL's uuid keeps as is.
const GUID = /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const isGuid = (v: unknown): v is string => typeof v === 'string' && GUID.test(v);

/** The isoTimestamp rule of format.ts. */
export function isIsoMs(v: unknown): v is string {
  if (typeof v !== 'string' || !ISO_MS.test(v)) return false;
  const t = Date.parse(v);
  return !Number.isNaN(t) && new Date(t).toISOString() === v;
}

const isText = (v: unknown): v is string => typeof v === 'string' && unstorableReason(v) === null;

function isStorableJson(v: unknown): boolean {
  if (v === null || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (typeof v === 'string') return unstorableReason(v) === null;
  if (Array.isArray(v)) return v.every(isStorableJson);
  if (typeof v !== 'object') return false;
  for (const [key, item] of Object.entries(v)) if (unstorableReason(key) !== null || !isStorableJson(item)) return false;
  return true;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function quickMessage(m: unknown): StoredMessage | null {
  if (!isPlainObject(m)) return null;
  const { id, role, content, metadata, createdAt } = m;
  if (!isGuid(id) || !isText(content) || !isIsoMs(createdAt)) return null;
  if (role !== 'user' && role !== 'assistant' && role !== 'system') return null;
  if (metadata !== undefined && !(isPlainObject(metadata) && isStorableJson(metadata))) return null;
  return { id, role, content, metadata: (metadata ?? {}) as JsonObject, createdAt };
}

/** The parsed conversation when every field passes, else null (the caller then asks zod why). */
export function quickConversation(raw: unknown): ConversationFile | null {
  if (!isPlainObject(raw)) return null;
  const { id, userId, title, createdAt, updatedAt, messages } = raw;
  if (!isGuid(id) || !isGuid(userId) || !isText(title) || !isIsoMs(createdAt) || !isIsoMs(updatedAt) || !Array.isArray(messages)) return null;
  const out: StoredMessage[] = new Array<StoredMessage>(messages.length);
  for (let i = 0; i < messages.length; i++) {
    const m = quickMessage(messages[i]);
    if (!m) return null;
    out[i] = m;
  }
  return { id, userId, title, createdAt, updatedAt, messages: out };
}
