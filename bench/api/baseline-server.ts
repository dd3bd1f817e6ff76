/**
 * The hand-written baseline: node:http + postgres.js (pool of 3), one handler per benchmarked
 * request, running the same SQL as the store (bench/api/sql.ts) and answering the same JSON shape
 * as the API, with none of the framework: no zod, no Drizzle, no pipeline. What Threadbase is
 * measured against (issue 13).
 *
 *   node --import tsx bench/api/baseline-server.ts <database url>     # prints "listening on http://…"
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import postgres from 'postgres';
import { canonicalJson } from '../../lib/canonical-json.js';
import { BENCH_USAGE_LIMITS } from './scenarios.js';
import * as q from './sql.js';

const url = process.argv[2];
if (!url) throw new Error('usage: baseline-server.ts <database url>');
const sql = postgres(url, { max: 3, idle_timeout: 20, onnotice: () => undefined, connection: { TimeZone: 'UTC' } });
const LIMITS = BENCH_USAGE_LIMITS;

type Row = Record<string, unknown>;
interface User {
  id: string;
  email: string;
  username: string;
  displayName: string;
  createdAt: string;
  lastLoginAt: string | null;
}

const iso = (v: unknown): string => (v as Date).toISOString();
const isoOrNull = (v: unknown): string | null => (v === null ? null : iso(v));

async function authenticate(req: IncomingMessage): Promise<User | null> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!match?.[1]) return null;
  const now = new Date();
  const hash = createHash('sha256').update(match[1], 'utf8').digest('hex');
  const [row] = await sql.unsafe<Row[]>(q.FIND_CREDENTIAL, [hash, now.toISOString()]);
  if (!row) return null;
  const last = row.credentialLastUsedAt as Date | null;
  if (last === null || now.getTime() - last.getTime() >= 60_000) {
    const touch = row.kind === 'session' ? q.TOUCH_SESSION : q.TOUCH_API_TOKEN;
    await sql.unsafe(touch, [row.credentialId as string, now.toISOString(), 60_000]);
  }
  return {
    id: row.id as string,
    email: row.email as string,
    username: row.username as string,
    displayName: row.displayName as string,
    createdAt: iso(row.createdAt),
    lastLoginAt: isoOrNull(row.lastLoginAt),
  };
}

const conversation = (r: Row) => ({
  id: r.id,
  title: r.title,
  archived: r.archived,
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
  messageCount: r.messageCount,
});

const message = (r: Row) => ({
  id: r.id,
  conversationId: r.conversationId,
  role: r.role,
  content: r.content,
  parts: r.parts ?? null,
  metadata: r.metadata,
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
});

const cursor = (kind: string, scope: string, key: unknown): string =>
  Buffer.from(
    JSON.stringify({ k: kind, s: createHash('sha256').update(scope).digest('base64url').slice(0, 16), v: key }),
  ).toString('base64url');

async function listConversations(user: User): Promise<unknown> {
  const rows = await sql.unsafe<Row[]>(q.LIST_CONVERSATIONS, [user.id, false, 21]);
  const items = rows.slice(0, 20).map(conversation);
  const last = items.at(-1);
  const next =
    rows.length > 20 && last ? cursor('conversations', 'all', { updatedAt: last.updatedAt, id: last.id }) : null;
  return { items, nextCursor: next };
}

async function getConversation(user: User, id: string): Promise<unknown> {
  const [conv, rows] = await Promise.all([
    sql.unsafe<Row[]>(q.GET_CONVERSATION, [id, user.id]),
    sql.unsafe<Row[]>(q.LIST_MESSAGES, [id, user.id, 101]),
  ]);
  if (!conv[0]) return null;
  return { ...conversation(conv[0]), messages: rows.filter((r) => r.id !== null).map(message) };
}

function dayStart(now: Date): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())).toISOString();
}

async function appendMessage(user: User, conversationId: string, body: Row, key: string | undefined) {
  const now = new Date();
  const at = now.toISOString();
  const id = randomUUID();
  const value = {
    id,
    conversationId,
    role: body.role,
    content: body.content,
    parts: null,
    metadata: {},
    createdAt: at,
    updatedAt: at,
  };
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
  const requestHash = createHash('sha256')
    .update(`POST\n/api/conversations/${conversationId}/messages\n${canonicalJson({ ...body, metadata: {} })}`)
    .digest('hex');
  return sql.begin(async (tx) => {
    if (key !== undefined)
      await tx.unsafe(q.CLAIM_IDEMPOTENCY_KEY, [user.id, key, requestHash, JSON.stringify(value), at]);
    const bumped = await tx.unsafe(q.BUMP_CONVERSATION, [at, 1, conversationId, user.id]);
    if (bumped.length === 0) return null;
    const limits = JSON.stringify(LIMITS);
    const free = LIMITS.free;
    await tx.unsafe(q.CONSUME_USAGE, [1, dayStart(now), month, limits, free.daily, free.monthly, user.id]);
    await tx.unsafe(q.INSERT_MESSAGE, [
      id,
      id,
      conversationId,
      user.id,
      value.role as string,
      value.content as string,
      '{}',
      null,
      at,
      null,
    ]);
    return value;
  });
}

async function search(user: User, text: string): Promise<unknown> {
  const rows = await sql.unsafe<Row[]>(q.SEARCH_MESSAGES, [text, user.id, 21]);
  const items = rows.slice(0, 20).map((r) => ({
    message: message(r),
    conversationTitle: r.conversationTitle,
    snippet: String(r.content).replace(/\s+/g, ' ').trim().slice(0, 160),
  }));
  const last = rows[19];
  const next =
    rows.length > 20 && last
      ? cursor('search', JSON.stringify({ q: text }), {
          rank: last.rank,
          createdAt: iso(last.createdAt),
          conversationId: last.conversationId,
          id: last.id,
        })
      : null;
  return { items, nextCursor: next };
}

async function me(user: User): Promise<unknown> {
  const now = new Date();
  const [u] = await sql.unsafe<Row[]>(q.READ_USAGE, [user.id]);
  if (!u) return null;
  const nextDay = new Date(Date.parse(dayStart(now)) + 86_400_000).toISOString();
  const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
  const daily = (u.dailyWindowStart as Date) >= new Date(dayStart(now)) ? u.dailyUsed : 0;
  return {
    user,
    usage: {
      tier: u.tier,
      daily: { used: daily, limit: LIMITS.free.daily, resetsAt: nextDay },
      monthly: { used: u.monthlyUsed, limit: LIMITS.free.monthly, resetsAt: nextMonth },
      total: u.totalUsed,
    },
  };
}

function readBody(req: IncomingMessage): Promise<Row> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Row));
    req.on('error', reject);
  });
}

async function route(req: IncomingMessage, user: User): Promise<[number, unknown]> {
  const u = new URL(req.url ?? '/', 'http://x');
  const parts = u.pathname.split('/');
  if (u.pathname === '/api/conversations') return [200, await listConversations(user)];
  if (u.pathname === '/api/me') return [200, await me(user)];
  if (u.pathname === '/api/search') return [200, await search(user, u.searchParams.get('q') ?? '')];
  const id = parts[3] ?? '';
  if (parts.length === 4) return [200, await getConversation(user, id)];
  const key = req.headers['idempotency-key'];
  return [201, await appendMessage(user, id, await readBody(req), typeof key === 'string' ? key : undefined)];
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const server = createServer((req, res) => {
  authenticate(req)
    .then(async (user) => {
      if (!user) return send(res, 401, { error: { code: 'unauthorized' } });
      const [status, body] = await route(req, user);
      if (body === null) return send(res, 404, { error: { code: 'not_found' } });
      send(res, status, body);
    })
    .catch((error: unknown) => {
      process.stderr.write(`baseline: ${String(error)}\n`);
      send(res, 500, { error: { code: 'internal' } });
    });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`baseline listening on http://127.0.0.1:${port}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  void sql.end({ timeout: 2 }).then(() => process.exit(0));
});
