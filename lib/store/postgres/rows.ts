/**
 * Row shapes of the PostgreSQL store and their conversion to Store records. The client leaves
 * timestamptz values as the text PostgreSQL sends (`2026-11-22 14:37:00.123+00`, db/client.ts);
 * the API speaks `toISOString()` form, so every timestamp passes through `iso()` on the way out.
 */
import type {
  ApiTokenRecord,
  ConversationRecord,
  JsonObject,
  ListedMessage,
  MessageRecord,
  Role,
  SessionRecord,
  UsageRecord,
  UserRecord,
} from '../types.js';

const PG_TIMESTAMP = /^(\d{4,}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d(?:\.\d+)?)(?:([+-]\d\d)(?::?(\d\d))?(?::?(\d\d))?|Z)?$/;

/**
 * The text our sessions produce (TimeZone UTC, DateStyle ISO, millisecond columns), rewritten
 * without a Date: `YYYY-MM-DD HH:MM:SS[.f{1,3}]+00`. Anything else is left to the general path.
 */
function utcMillisIso(value: string): string | undefined {
  const n = value.length;
  if (n < 22 || n > 26 || value.charCodeAt(4) !== 45 || value.charCodeAt(10) !== 32 || !value.endsWith('+00')) {
    return undefined;
  }
  if (n > 22 && value.charCodeAt(19) !== 46) return undefined;
  const fraction = n === 22 ? '000' : value.slice(20, n - 3).padEnd(3, '0');
  return `${value.slice(0, 10)}T${value.slice(11, 19)}.${fraction}Z`;
}

/** PostgreSQL timestamptz text → ISO-8601 UTC with milliseconds. */
export function iso(value: string | Date): string {
  if (value instanceof Date) return value.toISOString();
  const fast = utcMillisIso(value);
  if (fast !== undefined) return fast;
  const m = PG_TIMESTAMP.exec(value);
  if (!m) throw new Error(`Unexpected timestamp from PostgreSQL: ${value}`);
  const offset = m[3] === undefined ? 'Z' : `${m[3]}:${m[4] ?? '00'}`;
  const date = new Date(`${m[1]}T${m[2]}${offset}`);
  if (Number.isNaN(date.getTime())) throw new Error(`Unparseable timestamp from PostgreSQL: ${value}`);
  return date.toISOString();
}

export function isoOrNull(value: string | Date | null): string | null {
  return value === null ? null : iso(value);
}

/** A users row as read: the record's fields, timestamps still in PostgreSQL's text form. */
export type UserRow = UserRecord;

export function toUser(r: UserRow): UserRecord {
  return {
    id: r.id,
    email: r.email,
    username: r.username,
    displayName: r.displayName,
    passwordHash: r.passwordHash,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
    lastLoginAt: isoOrNull(r.lastLoginAt),
  };
}

export function toSession(r: SessionRecord): SessionRecord {
  return { ...r, createdAt: iso(r.createdAt), expiresAt: iso(r.expiresAt), lastSeenAt: iso(r.lastSeenAt) };
}

export function toApiToken(r: ApiTokenRecord): ApiTokenRecord {
  return {
    ...r,
    createdAt: iso(r.createdAt),
    lastUsedAt: isoOrNull(r.lastUsedAt),
    expiresAt: isoOrNull(r.expiresAt),
  };
}

export function toConversation(r: ConversationRecord): ConversationRecord {
  return {
    id: r.id,
    userId: r.userId,
    title: r.title,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
    messageCount: Number(r.messageCount),
    archived: Boolean(r.archived),
  };
}

/** A messages row as MESSAGE_COLUMNS (lib/store/postgres/messages.ts) selects it. */
export interface MessageRow {
  id: string;
  conversationId: string;
  role: Role;
  content: string;
  parts: unknown;
  metadata: unknown;
  createdAt: string;
  updatedAt: string;
  seq: number | string;
}

// Raw `sql` results carry json/jsonb as parsed values; guard against a driver handing back text.
const parsed = <T>(value: unknown): T => (typeof value === 'string' ? (JSON.parse(value) as T) : (value as T));

export function toMessage(r: MessageRow): ListedMessage {
  return {
    id: r.id,
    conversationId: r.conversationId,
    role: r.role,
    content: r.content,
    parts: r.parts === null || r.parts === undefined ? null : parsed<JsonObject[]>(r.parts),
    metadata: parsed<JsonObject>(r.metadata),
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
    seq: Number(r.seq),
  };
}

/** A listed message without its list position: what the API and write methods return. */
export function withoutSeq({ seq: _seq, ...message }: ListedMessage): MessageRecord {
  return message;
}

export function toUsage(r: UsageRecord): UsageRecord {
  return {
    userId: r.userId,
    tier: r.tier,
    dailyUsed: Number(r.dailyUsed),
    dailyWindowStart: iso(r.dailyWindowStart),
    monthlyUsed: Number(r.monthlyUsed),
    monthlyWindowStart: iso(r.monthlyWindowStart),
    totalUsed: Number(r.totalUsed),
  };
}
