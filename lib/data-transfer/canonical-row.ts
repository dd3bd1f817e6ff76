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

/** A canonical column read from the database: label, kind, and its SQL over a table alias prefix (`t.` or ''). */
export type CanonicalColumn = readonly [string, ColumnKind, (prefix: string) => string];

export interface TableSpec {
  /** Name in reports (camelCase, like the JSON files). */
  name: TableName;
  /** SQL table name. */
  table: string;
  /** Primary key column. */
  key: string;
  /** Stored columns: what COPY writes, staging tables hold and merges compare. */
  columns: ReadonlyArray<readonly [string, ColumnKind]>;
  /**
   * The canonical row, when it is not the stored columns as they are (checksums, verify, export
   * read these); its first column names the record in verify reports.
   */
  canonical?: readonly CanonicalColumn[];
  /**
   * A stored column the database numbers itself (messages.seq): merges neither compare nor copy it
   * and insert new rows in its order, so the database numbers them in the source's order.
   */
  generatedOrder?: string;
  /**
   * How merges match a source row to a live one when not by `key` (a list of SQL expressions over an alias prefix),
   * and the stored columns they then leave out of the comparison: messages match by
   * (conversation, API id), since the application may have stored one under another row uuid.
   */
  match?: { key: (prefix: string) => string; index: string; uncompared: readonly string[] };
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
      ['archived', 'int'],
    ],
    canonical: [
      ['id', 'uuid', (p) => `${p}"id"`],
      ['user_id', 'uuid', (p) => `${p}"user_id"`],
      ['title', 'text', (p) => `${p}"title"`],
      ['created_at', 'ts', (p) => `${p}"created_at"`],
      ['updated_at', 'ts', (p) => `${p}"updated_at"`],
      ['message_count', 'int', (p) => `${p}"message_count"`],
      ['archived', 'int', (p) => `${p}"archived"::int`],
    ],
  },
  messages: {
    name: 'messages',
    table: 'messages',
    key: 'id',
    columns: [
      ['id', 'uuid'],
      ['message_id', 'text'],
      ['conversation_id', 'uuid'],
      ['user_id', 'uuid'],
      ['role', 'text'],
      ['content', 'text'],
      ['parts', 'json'],
      ['metadata', 'json'],
      ['created_at', 'ts'],
      ['updated_at', 'ts'],
      ['seq', 'int'],
    ],
    // The API's view of a message: its API id (not the row's internal uuid), updatedAt as read,
    // and its position in its conversation's list (created_at, seq) instead of the global seq.
    canonical: [
      ['id', 'text', (p) => `coalesce(${p}"message_id", ${p}"id"::text)`],
      ['conversation_id', 'uuid', (p) => `${p}"conversation_id"`],
      ['user_id', 'uuid', (p) => `${p}"user_id"`],
      ['role', 'text', (p) => `${p}"role"`],
      ['content', 'text', (p) => `${p}"content"`],
      ['parts', 'json', (p) => `${p}"parts"`],
      ['metadata', 'json', (p) => `${p}"metadata"`],
      ['created_at', 'ts', (p) => `${p}"created_at"`],
      ['updated_at', 'ts', (p) => `coalesce(${p}"updated_at", ${p}"created_at")`],
      [
        'position',
        'int',
        (p) => `(row_number() over (partition by ${p}"conversation_id" order by ${p}"created_at", ${p}"seq"))::int`,
      ],
    ],
    generatedOrder: 'seq',
    match: {
      key: (p) => `${p}"conversation_id", coalesce(${p}"message_id", ${p}"id"::text)`,
      index: `"conversation_id", (coalesce("message_id", "id"::text))`,
      uncompared: ['id', 'seq'],
    },
  },
};

/**
 * The canonical rows of conversations and messages as version 1 of the data tools defined them
 * (before archived, parts, updatedAt, client ids and positions): the checksums in a version-1
 * export's manifest.json are of these, so an old backup is still checked against its manifest.
 */
export const V1_MANIFEST_TABLES: Record<'conversations' | 'messages', TableSpec> = {
  conversations: { ...TABLES.conversations, canonical: TABLES.conversations.canonical!.slice(0, 6) },
  messages: {
    ...TABLES.messages,
    canonical: [
      ['id', 'uuid', (p) => `${p}"id"`],
      ...TABLES.messages.canonical!.slice(1, 5),
      ...TABLES.messages.canonical!.slice(6, 8),
    ],
  },
};

/** A version-1 canonical row from the current one's cells (conversation or message). */
export function v1Cells(name: 'conversations' | 'messages', cells: readonly SourceCell[]): SourceCell[] {
  return name === 'conversations' ? cells.slice(0, 6) : [...cells.slice(0, 5), ...cells.slice(6, 8)];
}

/** The canonical columns of a table: its `canonical` list, or its stored columns as they are. */
export const canonicalColumns = (spec: TableSpec): readonly CanonicalColumn[] =>
  spec.canonical ?? spec.columns.map(([c, kind]) => [c, kind, (p: string) => `${p}"${c}"`] as const);

export const columnList = (spec: TableSpec): string => spec.columns.map(([c]) => `"${c}"`).join(', ');

const TS_FORMAT = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** SELECT expressions that read a table's columns back as canonical cells (prefix: a table alias). */
export function selectList(spec: TableSpec, alias = ''): string {
  const p = alias ? `${alias}.` : '';
  return canonicalColumns(spec)
    .map(([c, kind, read]) => {
      const x = read(p);
      if (kind === 'ts') return `to_char(${x} at time zone 'UTC', ${TS_FORMAT}) as "${c}"`;
      if (kind === 'uuid' || kind === 'json') return `${x}::text as "${c}"`;
      return `${x} as "${c}"`;
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

const canonicalMetadata = (value: JsonObject | JsonObject[]): string => {
  if (Array.isArray(value)) return canonicalJson(value);
  for (const _ in value) return canonicalJson(value);
  return '{}';
};

/** The canonical text of a row of cells as read from the database (json cells are JSON text). */
export function canonicalFromDb(spec: TableSpec, cells: readonly Cell[]): string {
  const columns = canonicalColumns(spec);
  const out: Array<string | number | null> = new Array<string | number | null>(columns.length);
  for (let i = 0; i < columns.length; i++) {
    const cell = cells[i] ?? null;
    out[i] =
      columns[i]![1] === 'json' && typeof cell === 'string'
        ? cell === '{}'
          ? '{}'
          : canonicalJson(JSON.parse(cell))
        : cell;
  }
  return joinCells(out);
}

/** The canonical text of a row of cells built from a JSON-store record (json cells are objects). */
export function canonicalFromSource(spec: TableSpec, cells: readonly SourceCell[]): string {
  const columns = canonicalColumns(spec);
  const out: Array<string | number | null> = new Array<string | number | null>(columns.length);
  for (let i = 0; i < columns.length; i++) {
    const cell = cells[i] ?? null;
    const kind = columns[i]![1];
    if (kind === 'json') out[i] = cell === null ? null : canonicalMetadata(cell as JsonObject | JsonObject[]);
    else out[i] = kind === 'uuid' && typeof cell === 'string' ? cell.toLowerCase() : (cell as string | number | null);
  }
  return joinCells(out);
}

export type SourceCell = Cell | JsonObject | JsonObject[];

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
export const conversationCells = (c: ConversationRecord): SourceCell[] => [
  c.id,
  c.userId,
  c.title,
  c.createdAt,
  c.updatedAt,
  c.messageCount,
  c.archived ? 1 : 0,
];

/** A message of a source directory, with what the stored row needs beyond the API's record. */
export interface SourceMessage extends MessageRecord {
  /** The row's internal uuid (see rowIdOf in validate.ts). */
  rowId: string;
  /** Its position in its conversation's list, from 1. */
  position: number;
  /** The running number that orders the import's rows (messages.seq). */
  seq: number;
}

/** A message's canonical cells (the `canonical` list of TABLES.messages). */
export const messageCells = (m: SourceMessage, userId: string): SourceCell[] => [
  m.id,
  m.conversationId,
  userId,
  m.role,
  m.content,
  m.parts,
  m.metadata,
  m.createdAt,
  m.updatedAt,
  m.position,
];

/** A message's stored cells (the `columns` of TABLES.messages); updated_at stays null until replaced, as the store writes it. */
export const messageRowCells = (m: SourceMessage, userId: string): SourceCell[] => [
  m.rowId,
  m.id,
  m.conversationId,
  userId,
  m.role,
  m.content,
  m.parts,
  m.metadata,
  m.createdAt,
  m.updatedAt === m.createdAt ? null : m.updatedAt,
  m.seq,
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
