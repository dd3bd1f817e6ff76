/**
 * Import from a directory written by the real JSON store (not the generator): the PostgreSQL
 * store then answers every read exactly as the JSON store did — users, credentials, tokens,
 * conversations (archived ones too), messages (parts, client-chosen ids, edits), usage — and
 * exporting back gives the JSON store the same answers.
 */
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createJsonStore } from '../../lib/store/json/index.js';
import { createPostgresStore } from '../../lib/store/postgres/index.js';
import type { Store } from '../../lib/store/types.js';
import { DEFAULT_USAGE_LIMITS } from '../../lib/config.js';
import { importDirectory } from '../../lib/data-transfer/import.js';
import { exportDatabase } from '../../lib/data-transfer/export.js';
import {
  makeApiToken,
  makeConversation,
  makeMessage,
  makeSession,
  makeUser,
  now,
  unlistedItems,
} from '../helpers/factories.js';
import { useScratch } from './helpers.js';

const both = (at: string) => ({ createdAt: at, updatedAt: at });

interface Fixture {
  userId: string;
  email: string;
  conversationId: string;
  archivedId: string;
  sessionHash: string;
}

async function populate(store: Store): Promise<Fixture> {
  const user = await makeUser(store, { displayName: 'Zoë 🦊' });
  const other = await makeUser(store);
  const session = await makeSession(store, user.id);
  await makeApiToken(store, user.id, { name: 'ci token' });
  await store.recordLogin(user.id, now());
  const conv = await makeConversation(store, user.id, { title: 'Über 🚀' });
  await makeConversation(store, other.id);
  const key = { key: 'retry-1', requestHash: 'h1', now: now() };
  await store.appendMessage(
    user.id,
    {
      id: randomUUID(),
      conversationId: conv.id,
      role: 'user',
      content: 'hello postgres',
      parts: null,
      metadata: { tags: ['a', 'b'], n: 1.5 },
      ...both(now()),
    },
    { quota: { limits: DEFAULT_USAGE_LIMITS, now: now() }, idempotency: key },
  );
  await makeMessage(store, user.id, conv.id, { role: 'assistant', content: 'line one\nline two\ttab \\ backslash' });
  // Version-2 data: an archived conversation holding parts, a client-chosen id and an edit.
  const archived = await makeConversation(store, user.id, { title: 'archived' });
  await makeMessage(store, user.id, archived.id, {
    id: 'client-1',
    content: '',
    parts: [
      { type: 'text', text: 'hi' },
      { type: 'data-x', data: { b: 1, a: [null] } },
    ],
  });
  const edit = now();
  await store.putMessage(user.id, {
    id: 'client-1',
    conversationId: archived.id,
    role: 'user',
    content: 'edited',
    parts: null,
    metadata: { v: 2 },
    createdAt: edit,
    updatedAt: edit,
  });
  await store.updateConversation(user.id, archived.id, { archived: true }, now());
  await store.setTier(other.id, 'pro');
  await store.recordLoginFailure('someone@example.com', now(), { maxFailures: 5, windowMs: 60_000, lockMs: 60_000 });
  return {
    userId: user.id,
    email: user.email,
    conversationId: conv.id,
    archivedId: archived.id,
    sessionHash: session.tokenHash,
  };
}

async function answers(store: Store, f: Fixture): Promise<unknown> {
  const at = now();
  const page = { limit: 100 };
  return {
    user: await store.getUserById(f.userId),
    byLogin: await store.findUserByLogin(f.email.toUpperCase()),
    credential: await store.findCredential(f.sessionHash, at),
    tokens: await store.listApiTokens(f.userId),
    conversations: await store.listConversations(f.userId, page),
    // seq is each backend's own numbering (PostgreSQL's is global); the list order is compared.
    messages: unlistedItems(await store.listMessages(f.userId, f.conversationId, page)),
    archived: await store.listConversations(f.userId, page, { archived: true }),
    archivedMessages: unlistedItems(await store.listMessages(f.userId, f.archivedId, page)),
    usage: (({ dailyUsed, monthlyUsed, totalUsed, tier }) => ({ dailyUsed, monthlyUsed, totalUsed, tier }))(
      await store.getUsage(f.userId, at),
    ),
  };
}

describe('import from a directory the JSON store wrote', () => {
  const s = useScratch();

  it('PostgreSQL answers like the JSON store after import, and the JSON store again after export', async () => {
    const dir = join(await s.dir('json-store'), 'data');
    const json = createJsonStore({ dataDir: dir });
    const fixture = await populate(json);
    const expected = await answers(json, fixture);
    await json.close();

    const report = await importDirectory(s.sql, s.db.url, { dir });
    expect(report.status).toBe('imported');
    expect((expected as { byLogin: unknown }).byLogin).not.toBeNull();
    expect(report.skipped).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^login-failures\.json/),
        expect.stringMatching(/^field "idempotency"/),
      ]),
    );

    const pg = createPostgresStore({ url: s.db.url, poolMax: 1 });
    try {
      expect(await answers(pg, fixture)).toEqual(expected);
    } finally {
      await pg.close();
    }

    const out = join(await s.dir('json-store-export'), 'data');
    await exportDatabase(s.sql, s.db.url, out);
    const back = createJsonStore({ dataDir: out, readOnly: true });
    try {
      expect(await answers(back, fixture)).toEqual(expected);
    } finally {
      await back.close();
    }
  });
});
