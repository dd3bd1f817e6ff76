/**
 * The PostgreSQL store's hot queries use their indexes: the exact statements the store sends
 * (captured through postgres.js's debug hook) are EXPLAINed with their parameters on a database
 * seeded with enough rows that the planner would rather not scan.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listConversations } from '../../lib/store/postgres/conversations.js';
import { findCredential } from '../../lib/store/postgres/credentials.js';
import { listMessages } from '../../lib/store/postgres/messages.js';
import { searchMessages } from '../../lib/store/postgres/search.js';
import { findUserByLogin } from '../../lib/store/postgres/users.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

let database: TestDatabase;
let raw: postgres.Sql;
let captured: { query: string; params: unknown[] }[] = [];
let db: postgres.Sql;
let userId: string;
let conversationId: string;

async function seed(sql: postgres.Sql): Promise<void> {
  await sql.unsafe(`
    insert into users (id, email, username, display_name, password_hash, created_at, updated_at)
      select gen_random_uuid(), 'user' || i || '@example.com', 'user' || i, 'U', 'h', now(), now()
      from generate_series(1, 5000) i;
    insert into conversations (id, user_id, title, created_at, updated_at)
      select gen_random_uuid(), u.id, 'chat', now(), now() - random() * interval '100 days'
      from (select id from users order by id limit 200) u, generate_series(1, 30);
    -- One heavy user: 20,000 messages in one conversation.
    insert into conversations (id, user_id, title, created_at, updated_at)
      select gen_random_uuid(), id, 'big', now(), now() from users where username = 'user1';
    insert into messages (id, conversation_id, user_id, role, content, created_at)
      select gen_random_uuid(), c.id, c.user_id, 'user',
             'word' || (random() * 5000)::int || ' some common text here', now() - random() * interval '100 days'
      from conversations c, generate_series(1, 8);
    insert into messages (id, conversation_id, user_id, role, content, created_at)
      select gen_random_uuid(), c.id, c.user_id, 'assistant',
             'word' || (random() * 5000)::int || ' other words', now() - random() * interval '100 days'
      from conversations c, generate_series(1, 20000) where c.title = 'big';
    insert into sessions (id, user_id, token_hash, created_at, expires_at, last_seen_at)
      select gen_random_uuid(), u.id, md5(u.id::text || i), now(), now() + interval '1 day', now()
      from (select id from users limit 1000) u, generate_series(1, 5) i;
    insert into api_tokens (id, user_id, name, prefix, token_hash, created_at)
      select gen_random_uuid(), u.id, 't', 'p', md5(u.id::text || 'api' || i), now()
      from (select id from users limit 1000) u, generate_series(1, 5) i;`);
  // As autovacuum would: merges the GIN pending list, whose size otherwise inflates GIN scan costs.
  await sql.unsafe('vacuum analyze');
}

/** Runs `fn`, then EXPLAINs the statements it sent. */
async function plansOf(fn: () => Promise<unknown>): Promise<string[]> {
  captured = [];
  await fn();
  const statements = captured;
  const plans: string[] = [];
  for (const s of statements) {
    const rows = await raw.unsafe(`explain ${s.query}`, s.params as postgres.ParameterOrJSON<never>[]);
    plans.push(rows.map((r) => String(r['QUERY PLAN'])).join('\n'));
  }
  return plans;
}

beforeAll(async () => {
  database = await createTestDatabase();
  raw = postgres(database.url, {
    max: 1,
    onnotice: () => undefined,
    debug: (_connection, query, parameters) => {
      if (!query.startsWith('explain')) captured.push({ query, params: parameters });
    },
  });
  await seed(raw);
  db = raw;
  const [row] = await raw<{ user_id: string; id: string }[]>`
    select user_id, id from conversations order by id limit 1`;
  userId = row!.user_id;
  conversationId = row!.id;
}, 120_000);

afterAll(async () => {
  await raw?.end({ timeout: 5 });
  await database?.drop();
});

describe('index use', () => {
  it('listConversations: first and later pages walk conversations_user_updated_idx, no sort', async () => {
    const first = await listConversations(db, userId, { limit: 5 });
    const last = first.items.at(-1)!;
    const plans = await plansOf(() =>
      listConversations(db, userId, { limit: 5, after: { updatedAt: last.updatedAt, id: last.id } }),
    );
    expect(plans).toHaveLength(1);
    expect(plans[0]).toContain('conversations_user_updated_idx');
    expect(plans[0]).toMatch(/Index Cond: .*ROW\(updated_at, id\) < ROW/);
    expect(plans[0]).not.toMatch(/Sort|Seq Scan/);
  });

  it('listMessages: keyset along messages_conversation_created_seq_idx, no sort of messages', async () => {
    const first = await listMessages(db, userId, conversationId, { limit: 3 });
    const last = first!.items.at(-1)!;
    const plans = await plansOf(() =>
      listMessages(db, userId, conversationId, { limit: 3, after: { createdAt: last.createdAt, seq: last.seq } }),
    );
    expect(plans[0]).toContain('messages_conversation_created_seq_idx');
    expect(plans[0]).toMatch(/Index Cond: .*ROW\(created_at, seq\) > ROW/);
    expect(plans[0]).not.toContain('Seq Scan');
  });

  it('searchMessages: a user with many messages → the GIN index on search_vector', async () => {
    const [row] = await raw<{ content: string; user_id: string }[]>`
      select m.content, m.user_id from messages m join users u on u.id = m.user_id
      where u.username = 'user1' limit 1`;
    const word = row!.content.split(' ')[0]!;
    const plans = await plansOf(() => searchMessages(db, { userId: row!.user_id, q: word }, { limit: 10 }));
    expect(plans[0]).toContain('messages_search_vector_idx');
    expect(plans[0]).not.toContain('Seq Scan');
  });

  it('searchMessages: a user with few messages → an index either way, never a scan', async () => {
    const [row] = await raw<{ content: string; user_id: string }[]>`
      select m.content, m.user_id from messages m join conversations c on c.id = m.conversation_id
      where c.title = 'chat' limit 1`;
    const word = row!.content.split(' ')[0]!;
    const plans = await plansOf(() =>
      searchMessages(db, { userId: row!.user_id, q: `${word} text`, meta: { k: 'v' } }, { limit: 10 }),
    );
    expect(plans[0]).toMatch(/messages_search_vector_idx|messages_user_id_idx/);
    expect(plans[0]).not.toContain('Seq Scan');
  });

  it('findCredential: one statement, by the token_hash unique indexes', async () => {
    const [row] = await raw<{ token_hash: string }[]>`select token_hash from sessions limit 1`;
    const plans = await plansOf(() => findCredential(db, row!.token_hash, new Date().toISOString()));
    expect(plans).toHaveLength(1);
    expect(plans[0]).toContain('sessions_token_hash_key');
    expect(plans[0]).toContain('api_tokens_token_hash_key');
    expect(plans[0]).not.toMatch(/Seq Scan on (sessions|api_tokens)/);
  });

  it('findUserByLogin: the lower(email) and lower(username) indexes', async () => {
    const plans = await plansOf(() => findUserByLogin(db, 'User17'));
    expect(plans[0]).toContain('users_email_lower_key');
    expect(plans[0]).toContain('users_username_lower_key');
  });
});
