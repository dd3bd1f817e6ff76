/**
 * The JSON store's on-disk format, version 2 (DESIGN.md; documented in docs/json-store-format.md).
 * Version 2 adds conversation `archived`, message `parts`, `updatedAt` and client-chosen message
 * ids; version-1 files are read through `parseConversation`, which fills those in, and a
 * version-1 directory is upgraded in place on open (lib/store/json/upgrade.ts).
 *
 *   meta.json                 { format: "threadbase", version: 1 }
 *   users.json                UserRecord[]
 *   sessions.json             SessionRecord[]
 *   api-tokens.json           ApiTokenRecord[]
 *   usage.json                UsageRecord[]
 *   conversations/<id>.json   StoredConversation (messages inline, oldest first)
 * Extensions of this store (readers of plain version 1 may ignore them):
 *   login-failures.json       LoginFailureRecord[]
 *   StoredMessage.seq / StoredConversation.lastSeq  the message's position of creation within its
 *     conversation (the list's tie-breaker after createdAt, so cursors survive deletes and
 *     replacements) and the last one handed out
 *   StoredConversation.idempotency  IdempotencyRecord[] for writes made under an Idempotency-Key
 *     in that file (the conversation's creation and message appends), so each record is written
 *     atomically with its write.
 *   idempotency.json          IdempotencyRecord[] of deleted conversations, kept until they expire
 */
import { validationFailed } from '../../errors.js';
import type { JsonObject, JsonValue, MessageRecord } from '../types.js';
import { CorruptFileError, parseJson } from './atomic-file.js';
import { isUuid } from '../../validation/uuid.js';

export const FORMAT_NAME = 'threadbase';
export const FORMAT_VERSION = 2;
/** Versions this build reads (older ones are upgraded in place on open). */
export const READABLE_VERSIONS: readonly number[] = [1, 2];

export type CollectionName = 'users' | 'sessions' | 'api-tokens' | 'usage' | 'login-failures' | 'idempotency';

export interface StoredMessage {
  id: string;
  role: MessageRecord['role'];
  content: string;
  parts: JsonObject[] | null;
  metadata: JsonObject;
  createdAt: string;
  updatedAt: string;
  seq: number;
}

export interface IdempotencyRecord {
  key: string;
  requestHash: string;
  userId: string;
  /** The first response's value (a ConversationRecord or MessageRecord). */
  response: JsonValue;
  createdAt: string;
}

export interface StoredConversation {
  id: string;
  userId: string;
  title: string;
  archived: boolean;
  createdAt: string;
  updatedAt: string;
  lastSeq: number;
  messages: StoredMessage[];
  idempotency?: IdempotencyRecord[];
}

export interface LoginFailureRecord {
  loginKey: string;
  failures: number;
  windowStart: string;
  lockedUntil: string | null;
}

export interface MetaFile {
  format: string;
  version: number;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks a collection file holds an array of objects (the records' fields are ours to trust). */
export function parseCollection<T>(file: string, raw: unknown): T[] {
  if (!Array.isArray(raw) || !raw.every(isObject)) {
    throw new CorruptFileError(file, new Error('expected an array of objects'));
  }
  return raw as T[];
}

export function parseConversation(file: string, raw: unknown): StoredConversation {
  if (!isObject(raw) || typeof raw.id !== 'string' || typeof raw.userId !== 'string' || !Array.isArray(raw.messages)) {
    throw new CorruptFileError(file, new Error('expected a conversation object with a messages array'));
  }
  if (raw.idempotency !== undefined && !Array.isArray(raw.idempotency)) {
    throw new CorruptFileError(file, new Error('idempotency must be an array'));
  }
  return upgradeConversation(raw as unknown as V1Conversation);
}

type V1Conversation = Omit<StoredConversation, 'archived' | 'lastSeq' | 'messages'> &
  Partial<Pick<StoredConversation, 'archived' | 'lastSeq'>> & {
    messages: Array<Omit<StoredMessage, 'parts' | 'updatedAt' | 'seq'> & Partial<StoredMessage>>;
  };

/**
 * A conversation in version-2 shape: a version-1 file (no archived, parts, updatedAt, seq) gets
 * archived false, parts null, updatedAt = createdAt and seq = its position; v2 input is returned as is.
 */
export function upgradeConversation(raw: V1Conversation): StoredConversation {
  if (typeof raw.archived === 'boolean' && typeof raw.lastSeq === 'number') return raw as StoredConversation;
  const messages = raw.messages.map((m, i) => ({
    ...m,
    parts: m.parts ?? null,
    updatedAt: m.updatedAt ?? m.createdAt,
    seq: m.seq ?? i + 1,
  }));
  const lastSeq = messages.reduce((max, m) => Math.max(max, m.seq), 0);
  return { ...raw, archived: raw.archived ?? false, lastSeq, messages };
}

/** The meta.json version (after metaProblem found none). */
export function metaVersion(raw: unknown): number {
  return isObject(raw) && typeof raw.version === 'number' ? raw.version : FORMAT_VERSION;
}

// In a file this store wrote (JSON.stringify(value, null, 2)) top-level keys are indented by
// exactly two spaces and nested records (messages, idempotency records) by more; a string cannot
// hold a raw newline. So this finds the conversation's own userId, even in a truncated file.
const OWNER_LINE = /^ {2}"userId": "([0-9a-fA-F-]{36})"/m;

/**
 * Parses a conversation file's text. A damaged one throws CorruptFileError carrying its owner
 * when that can still be read, so that only that user's operations are affected by it.
 */
export function parseConversationText(file: string, text: string): StoredConversation {
  let raw: unknown;
  try {
    raw = parseJson(file, text);
    return parseConversation(file, raw);
  } catch (error) {
    if (!(error instanceof CorruptFileError)) throw error;
    const parsedOwner = isObject(raw) && typeof raw.userId === 'string' ? raw.userId : undefined;
    const owner = canonicalId(parsedOwner ?? OWNER_LINE.exec(text)?.[1] ?? '');
    throw new CorruptFileError(file, error.cause, owner);
  }
}

/** Why a meta.json cannot be used by this build, or null when it can. */
export function metaProblem(raw: unknown): string | null {
  if (!isObject(raw)) return 'meta.json is not a JSON object';
  if (raw.format !== FORMAT_NAME)
    return `meta.json says format ${JSON.stringify(raw.format)}, expected "${FORMAT_NAME}"`;
  if (typeof raw.version !== 'number' || !READABLE_VERSIONS.includes(raw.version)) {
    return `meta.json says version ${JSON.stringify(raw.version)}; this build reads versions ${READABLE_VERSIONS.join(' and ')}`;
  }
  return null;
}

/** The canonical (lower-case) form of a UUID, as PostgreSQL returns it; null when not a UUID. */
export function canonicalId(id: string): string | null {
  return isUuid(id) ? id.toLowerCase() : null;
}

/** Timestamps are stored as `Date#toISOString()` (ms precision), as PostgreSQL's timestamptz(3) returns them. */
export function canonicalTime(at: string, field = 'timestamp'): string {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) throw validationFailed([{ path: field, message: 'must be an ISO-8601 timestamp' }]);
  return new Date(ms).toISOString();
}

/** The Store record of a stored message (its seq is the list position, not part of the record). */
export function toMessageRecord(conversationId: string, message: StoredMessage): MessageRecord {
  const { seq: _seq, ...rest } = message;
  return { ...rest, conversationId };
}
