/**
 * Contract (issue 9, item 6), on both backends: one login throttle per account, whichever
 * identifier (email or username) a guess names; the idempotency records of a deleted
 * conversation go with it; `__proto__` metadata keys are stored, returned and searchable as data;
 * nesting beyond the documented depth is refused by the store too.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { AppError } from '../../lib/errors.js';
import { hashPassword } from '../../lib/auth/password.js';
import { login } from '../../lib/auth/sessions.js';
import { canonicalJson } from '../../lib/canonical-json.js';
import type { IdempotencyInput, JsonObject } from '../../lib/store/types.js';
import { backendCases } from '../helpers/backends.js';
import { expectAppError, useStore } from '../helpers/contract.js';
import { makeConversation, makeUser, newConversation, newMessage, now } from '../helpers/factories.js';

const idem = (requestHash: string, key = `key-${randomUUID()}`): IdempotencyInput => ({ key, requestHash, now: now() });

/** The status of a login attempt: 200, or the AppError's status. */
async function attempt(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return error.status;
  }
}

describe.each(backendCases)('%s', (_name, backend) => {
  const store = useStore(backend);

  test('alternating email and username: at most 5 guesses per account, then 429 for both', async () => {
    const password = 'the-right-password';
    // A cheap hash (2^10) keeps the 401s fast; verification reads the cost from the hash itself.
    const user = await makeUser(store(), { passwordHash: await hashPassword(password, 10) });
    const identifiers = [user.email, user.username.toUpperCase()];
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push(await attempt(login(store(), { login: identifiers[i % 2]!, password: `wrong-${i}` }, now())));
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    // Locked means locked, by either identifier, even with the right password.
    for (const id of identifiers) {
      await expectAppError(login(store(), { login: id, password }, now()), { status: 429, code: 'rate_limited' });
    }
  }, 60_000);

  test('an unknown identifier is throttled like an account (the 429 reveals nothing)', async () => {
    const statuses: number[] = [];
    const unknown = `nobody-${randomUUID()}@example.test`;
    for (let i = 0; i < 6; i++)
      statuses.push(await attempt(login(store(), { login: unknown, password: 'wrong-pass' }, now())));
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    // Unknown logins verify against a dummy hash at the configured (OWASP) cost: slow on a loaded machine.
  }, 60_000);

  test("a deleted conversation's idempotency records go with it", async () => {
    const user = await makeUser(store());
    const createKey = idem('create-hash');
    const created = await store().createConversation(newConversation(user.id), createKey);
    const messageKey = idem('message-hash');
    const message = newMessage(created.value.id);
    expect((await store().appendMessage(user.id, message, { idempotency: messageKey })).replayed).toBe(false);
    expect(await store().deleteConversation(user.id, created.value.id)).toBe(true);

    // Replaying the message key must not return the deleted message: the conversation is gone.
    await expectAppError(
      store().appendMessage(user.id, newMessage(created.value.id), { idempotency: { ...messageKey, now: now() } }),
      {
        status: 404,
        code: 'not_found',
      },
    );
    // Replaying the create key creates a new conversation (the old record went with the old one).
    const again = newConversation(user.id);
    const recreated = await store().createConversation(again, { ...createKey, now: now() });
    expect(recreated.replayed).toBe(false);
    expect(recreated.value.id).toBe(again.id);
    expect(await store().getConversation(user.id, again.id)).not.toBeNull();
  });

  test('idempotency records of other conversations survive a delete', async () => {
    const user = await makeUser(store());
    const keep = await makeConversation(store(), user.id);
    const key = idem('keep-hash');
    const kept = await store().appendMessage(user.id, newMessage(keep.id), { idempotency: key });
    const gone = await makeConversation(store(), user.id);
    await store().appendMessage(user.id, newMessage(gone.id), { idempotency: idem('gone-hash') });
    await store().deleteConversation(user.id, gone.id);
    const replay = await store().appendMessage(user.id, newMessage(keep.id), { idempotency: { ...key, now: now() } });
    expect(replay).toEqual({ value: kept.value, replayed: true });
  });

  test('__proto__ metadata keys are stored, returned and searchable as data', async () => {
    const user = await makeUser(store());
    const conversation = await makeConversation(store(), user.id);
    const metadata = JSON.parse('{"__proto__":"top","n":{"__proto__":{"x":1}},"l":[{"__proto__":2}]}') as JsonObject;
    const message = newMessage(conversation.id, { content: 'prototype probe', metadata });
    await store().appendMessage(user.id, message);
    const [stored] = (await store().listMessages(user.id, conversation.id, { limit: 1 }))!.items;
    // Compared as canonical JSON (keys sorted): PostgreSQL's jsonb does not keep key order.
    expect(canonicalJson(stored!.metadata)).toBe(canonicalJson(metadata));
    expect(canonicalJson(stored!.metadata)).toContain('"__proto__":"top"');
    const meta = Object.defineProperty(Object.create(null) as Record<string, string>, '__proto__', {
      value: 'top',
      enumerable: true,
    });
    const hits = await store().searchMessages({ userId: user.id, q: 'prototype', meta }, { limit: 10 });
    expect(hits.items.map((h) => h.message.id)).toEqual([message.id]);
  });

  test('metadata nested beyond 64 levels → 400 from the store, nothing written', async () => {
    const user = await makeUser(store());
    const conversation = await makeConversation(store(), user.id);
    const deep = JSON.parse('{"a":'.repeat(2000) + '1' + '}'.repeat(2000)) as JsonObject;
    await expectAppError(store().appendMessage(user.id, newMessage(conversation.id, { metadata: deep })), {
      status: 400,
      code: 'validation_failed',
      path: 'metadata',
    });
    expect((await store().listMessages(user.id, conversation.id, { limit: 10 }))?.items).toEqual([]);
  });
});
