/**
 * The benchmarked requests (issue 13): for each, the HTTP request every HTTP target gets, the
 * status it must answer, and the pgbench script of the same SQL with the same parameters
 * (bench/api/sql.ts), one pgbench transaction per HTTP request.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { RequestSpec } from './load.js';
import type { Seed } from './seed.js';
import * as q from './sql.js';

/** What both servers run with: limits no benchmark reaches, so appends never answer 429. */
export const BENCH_USAGE_LIMITS = { free: { daily: 1_000_000_000, monthly: 1_000_000_000 } };

export interface Scenario {
  name: string;
  status: number;
  request: (i: number) => RequestSpec;
  /** pgbench script: the statements the request runs, parameters inlined. */
  pgbench: string;
}

/** A SQL literal for pgbench; `raw` values (pgbench expressions) go in unquoted. */
const lit = (v: string | number | boolean | null): string =>
  v === null ? 'null' : typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v);

/** `statement` with $n replaced by its parameter, on one line (pgbench reads one statement a line). */
function inline(
  statement: string,
  params: (string | number | boolean | null)[],
  raw: Record<number, string> = {},
): string {
  let out = statement;
  for (let n = params.length; n >= 1; n--) out = out.split(`$${n}`).join(raw[n] ?? lit(params[n - 1]!));
  return `${out.replace(/\s+/g, ' ').trim()};`;
}

/** pgbench has no uuid variables: one per transaction from its random `:m` (md5 text is a uuid's 32 hex digits). */
const NEW_ID = `md5(:client_id || '-' || :m)`;

function dayStart(now: Date): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())).toISOString();
}

export function scenarios(seed: Seed): Scenario[] {
  const auth = { authorization: `Bearer ${seed.token}` };
  const hash = createHash('sha256').update(seed.token, 'utf8').digest('hex');
  const now = new Date();
  const nowIso = now.toISOString();
  const authSql = inline(q.FIND_CREDENTIAL, [hash, nowIso]);
  const get = (path: string) => (): RequestSpec => ({ method: 'GET', path, headers: auth });
  const run = randomBytes(4).toString('hex');
  const messagesPath = `/api/conversations/${seed.appendConversationId}/messages`;
  const body = JSON.stringify({ role: 'user', content: 'A benchmark message.' });
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
  const free = BENCH_USAGE_LIMITS.free;
  const appendSql = (withKey: boolean): string =>
    [
      '\\set m random(1, 9000000000000000000)',
      authSql,
      'begin;',
      ...(withKey
        ? [
            inline(q.CLAIM_IDEMPOTENCY_KEY, [seed.userId, '', 'h', '{"id":"x"}', nowIso], {
              2: `'pgbench-${run}-' || :client_id || '-' || :k`,
            }),
          ]
        : []),
      inline(q.BUMP_CONVERSATION, [nowIso, 1, seed.appendConversationId, seed.userId]),
      inline(q.CONSUME_USAGE, [
        1,
        dayStart(now),
        month,
        JSON.stringify(BENCH_USAGE_LIMITS),
        free.daily,
        free.monthly,
        seed.userId,
      ]),
      inline(
        q.INSERT_MESSAGE,
        ['', '', seed.appendConversationId, seed.userId, 'user', 'A benchmark message.', '{}', null, nowIso, null],
        // A fresh uuid as the row id and, as text, the message (API) id, as the store writes server-made ids.
        { 1: `${NEW_ID}::uuid`, 2: `${NEW_ID}::uuid::text` },
      ),
      'commit;',
    ].join('\n');
  const post =
    (withKey: boolean) =>
    (i: number): RequestSpec => ({
      method: 'POST',
      path: messagesPath,
      headers: {
        ...auth,
        'content-type': 'application/json',
        ...(withKey ? { 'idempotency-key': `bench-${run}-${i}-${randomBytes(4).toString('hex')}` } : {}),
      },
      body,
    });
  return [
    {
      name: 'list conversations',
      status: 200,
      request: get('/api/conversations?limit=20'),
      pgbench: [authSql, inline(q.LIST_CONVERSATIONS, [seed.userId, false, 21])].join('\n'),
    },
    {
      name: 'get conversation (100 messages)',
      status: 200,
      request: get(`/api/conversations/${seed.fullConversationId}`),
      pgbench: [
        authSql,
        inline(q.GET_CONVERSATION, [seed.fullConversationId, seed.userId]),
        inline(q.LIST_MESSAGES, [seed.fullConversationId, seed.userId, 101]),
      ].join('\n'),
    },
    { name: 'append message', status: 201, request: post(false), pgbench: appendSql(false) },
    {
      name: 'append message + Idempotency-Key',
      status: 201,
      request: post(true),
      pgbench: `\\set k random(1, 2000000000)\n${appendSql(true)}`,
    },
    {
      name: 'search',
      status: 200,
      request: get(`/api/search?q=${seed.searchWord}`),
      pgbench: [authSql, inline(q.SEARCH_MESSAGES, [seed.searchWord, seed.userId, 21])].join('\n'),
    },
    {
      name: 'GET /api/me',
      status: 200,
      request: get('/api/me'),
      pgbench: [authSql, inline(q.READ_USAGE, [seed.userId])].join('\n'),
    },
  ];
}
