/**
 * Canonical rows: one representation of a record per table that the JSON side and the database
 * side both reduce to, so checksums and comparisons mean "same data". A row is the table's
 * columns in a fixed order; ids are lower-cased, timestamps are ISO strings with milliseconds,
 * metadata is JSON with sorted keys. The same specs drive COPY column lists, the SELECT that
 * reads rows back (timestamps formatted by PostgreSQL itself), and the COPY text encoding.
 */
import { canonicalJson } from '../canonical-json.js';
import type {
  ApiTokenRecord,
  ConversationRecord,
  JsonObject,
  MessageRecord,
  SessionRecord,
  UsageRecord,
  UserRecord,
} from '../store/types.js';

export type ColumnKind = 'uuid' | 'text' | 'int' | 'ts' | 'json';
export type Cell = string | number | null;

export interface TableSpec {
  /** Name in reports (camelCase, like the JSON files). */
  name: TableName;
  /** SQL table name. */
  table: string;
  /** Primary key column. */
  key: string;
  columns: ReadonlyArray<readonly [string, ColumnKind]>;
}

export type TableName = 'users' | 'usage' | 'sessions' | 'apiTokens' | 'conversations' | 'messages';

/** Load order: parents before children. */
export const TABLE_ORDER: readonly TableName[] = [
  'users',
  'usage',
  'sessions',
  'apiTokens',
  'conversations',
  'messages',
];

export const TABLES: Record<TableName, TableSpec> = {
  users: {
    name: 'users',
    table: 'users',
    key: 'id',
    columns: [
      ['id', 'uuid'],
      ['email', 'text'],
      ['username', 'text'],
      ['display_name', 'text'],
      ['password_hash', 'text'],
      ['created_at', 'ts'],
      ['updated_at', 'ts'],
      ['last_login_at', 'ts'],
    ],
  },
  usage: {
    name: 'usage',
    table: 'usage',
    key: 'user_id',
    columns: [
      ['user_id', 'uuid'],
      ['tier', 'text'],
      ['daily_used', 'int'],
      ['daily_window_start', 'ts'],
      ['monthly_used', 'int'],
      ['monthly_window_start', 'ts'],
      ['total_used', 'int'],
    ],
  },
  sessions: {
    name: 'sessions',
    table: 'sessions',
    key: 'id',
    columns: [
      ['id', 'uuid'],
      ['user_id', 'uuid'],
      ['token_hash', 'text'],
      ['created_at', 'ts'],
      ['expires_at', 'ts'],
      ['last_seen_at', 'ts'],
    ],
  },
  apiTokens: {
    name: 'apiTokens',
    table: 'api_tokens',
    key: 'id',
    columns: [
      ['id', 'uuid'],
      ['user_id', 'uuid'],
      ['name', 'text'],
      ['prefix', 'text'],
      ['token_hash', 'text'],
      ['created_at', 'ts'],
      ['last_used_at', 'ts'],
      ['expires_at', 'ts'],
    ],
  },
  conversations: {
    name: 'conversations',
    table: 'conversations',
    key: 'id',
    columns: [
      ['id', 'uuid'],
      ['user_id', 'uuid'],
      ['title', 'text'],
      ['created_at', 'ts'],
      ['updated_at', 'ts'],
      ['message_count', 'int'],
    ],
  },
  messages: {
    name: 'messages',
    table: 'messages',
    key: 'id',
    columns: [
      ['id', 'uuid'],
      ['conversation_id', 'uuid'],
      ['user_id', 'uuid'],
      ['role', 'text'],
      ['content', 'text'],
      ['metadata', 'json'],
      ['created_at', 'ts'],
    ],
  },
};

export const columnList = (spec: TableSpec): string => spec.columns.map(([c]) => `"${c}"`).join(', ');

const TS_FORMAT = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** SELECT expressions that read a table's columns back as canonical cells (prefix: a table alias). */
export function selectList(spec: TableSpec, alias = ''): string {
  const p = alias ? `${alias}.` : '';
  return spec.columns
    .map(([c, kind]) => {
      if (kind === 'ts') return `to_char(${p}"${c}" at time zone 'UTC', ${TS_FORMAT}) as "${c}"`;
      if (kind === 'uuid' || kind === 'json') return `${p}"${c}"::text as "${c}"`;
      return `${p}"${c}"`;
    })
    .join(', ');
}

/**
 * Cells joined with length prefixes (`s5:hello`, `n42`, `N` for null): unambiguous, and cheaper
 * than JSON-escaping every string, which matters at a million rows per side.
 */
function joinCells(cells: ReadonlyArray<string | number | null>): string {
  let out = '';
  for (const cell of cells) {
    if (cell === null) out += 'N';
    else if (typeof cell === 'number') out += `n${cell};`;
    else out += `s${cell.length}:${cell}`;
  }
  return out;
}

const canonicalMetadata = (value: JsonObject): string => {
  for (const _ in value) return canonicalJson(value);
  return '{}';
};

/** The canonical text of a row of cells as read from the database (json cells are JSON text). */
export function canonicalFromDb(spec: TableSpec, cells: readonly Cell[]): string {
  const out: Array<string | number | null> = new Array<string | number | null>(spec.columns.length);
  for (let i = 0; i < spec.columns.length; i++) {
    const cell = cells[i] ?? null;
    out[i] =
      spec.columns[i]![1] === 'json' && typeof cell === 'string'
        ? cell === '{}'
          ? '{}'
          : canonicalJson(JSON.parse(cell))
        : cell;
  }
  return joinCells(out);
}

/** The canonical text of a row of cells built from a JSON-store record (json cells are objects). */
export function canonicalFromSource(spec: TableSpec, cells: readonly SourceCell[]): string {
  const out: Array<string | number | null> = new Array<string | number | null>(spec.columns.length);
  for (let i = 0; i < spec.columns.length; i++) {
    const cell = cells[i] ?? null;
    const kind = spec.columns[i]![1];
    if (kind === 'json') out[i] = canonicalMetadata(cell as JsonObject);
    else out[i] = kind === 'uuid' && typeof cell === 'string' ? cell.toLowerCase() : (cell as string | number | null);
  }
  return joinCells(out);
}

export type SourceCell = Cell | JsonObject;

export const userCells = (u: UserRecord): SourceCell[] => [
  u.id,
  u.email,
  u.username,
  u.displayName,
  u.passwordHash,
  u.createdAt,
  u.updatedAt,
  u.lastLoginAt,
];
export const usageCells = (u: UsageRecord): SourceCell[] => [
  u.userId,
  u.tier,
  u.dailyUsed,
  u.dailyWindowStart,
  u.monthlyUsed,
  u.monthlyWindowStart,
  u.totalUsed,
];
export const sessionCells = (s: SessionRecord): SourceCell[] => [
  s.id,
  s.userId,
  s.tokenHash,
  s.createdAt,
  s.expiresAt,
  s.lastSeenAt,
];
export const apiTokenCells = (t: ApiTokenRecord): SourceCell[] => [
  t.id,
  t.userId,
  t.name,
  t.prefix,
  t.tokenHash,
  t.createdAt,
  t.lastUsedAt,
  t.expiresAt,
];
// Version-1 columns only: data-transfer does not carry archived, parts, updatedAt or client message ids yet.
export const conversationCells = (c: Omit<ConversationRecord, 'archived'>): SourceCell[] => [
  c.id,
  c.userId,
  c.title,
  c.createdAt,
  c.updatedAt,
  c.messageCount,
];
export const messageCells = (m: Omit<MessageRecord, 'parts' | 'updatedAt'>, userId: string): SourceCell[] => [
  m.id,
  m.conversationId,
  userId,
  m.role,
  m.content,
  m.metadata,
  m.createdAt,
];

// COPY text format: backslash escapes for the characters that delimit fields and rows.
const COPY_ESCAPE = /[\\\t\n\r]/g;
const COPY_REPLACEMENT: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const escapeCopy = (s: string): string => s.replace(COPY_ESCAPE, (ch) => COPY_REPLACEMENT[ch] ?? ch);

/** One line of COPY text format (tab-separated, `\N` for null, newline-terminated). */
export function copyLine(cells: readonly SourceCell[]): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i] ?? null;
    if (i > 0) line += '\t';
    if (cell === null) line += '\\N';
    else if (typeof cell === 'number') line += String(cell);
    else if (typeof cell === 'string') line += escapeCopy(cell);
    else line += escapeCopy(JSON.stringify(cell));
  }
  return `${line}\n`;
}
