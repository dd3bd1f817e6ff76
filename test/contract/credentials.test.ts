/**
 * Contract: sessions and API tokens — one lookup by token hash for both kinds, expiry,
 * throttled last-used updates, listing and revocation scoped to the owner.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { backendCases } from '../helpers/backends.js';
import { useStore } from '../helpers/contract.js';
import { addMs, makeApiToken, makeSession, makeUser, now, tokenHash } from '../helpers/factories.js';

describe.each(backendCases)('%s', (_name, backend) => {
  const store = useStore(backend);

  test('findCredential resolves a session with its user', async () => {
    const user = await makeUser(store());
    const session = await makeSession(store(), user.id);
    const credential = await store().findCredential(session.tokenHash, now());
    expect(credential).toEqual({
      kind: 'session',
      id: session.id,
      user,
      expiresAt: session.expiresAt,
      lastUsedAt: session.lastSeenAt,
    });
  });

  test('findCredential resolves an API token with its user', async () => {
    const user = await makeUser(store());
    const token = await makeApiToken(store(), user.id);
    const credential = await store().findCredential(token.tokenHash, now());
    expect(credential).toEqual({ kind: 'api_token', id: token.id, user, expiresAt: null, lastUsedAt: null });
  });

  test('findCredential returns the current user record (after recordLogin)', async () => {
    const user = await makeUser(store());
    const session = await makeSession(store(), user.id);
    await store().findCredential(session.tokenHash, now());
    const at = now();
    await store().recordLogin(user.id, at);
    expect((await store().findCredential(session.tokenHash, now()))?.user.lastLoginAt).toBe(at);
  });

  test('unknown token hash → null', async () => {
    expect(await store().findCredential(tokenHash(), now())).toBeNull();
  });

  test('expired sessions and API tokens are not found', async () => {
    const user = await makeUser(store());
    const t = now();
    const session = await makeSession(store(), user.id, { expiresAt: addMs(t, 1000) });
    const token = await makeApiToken(store(), user.id, { expiresAt: addMs(t, 1000) });
    expect(await store().findCredential(session.tokenHash, addMs(t, 999))).not.toBeNull();
    expect(await store().findCredential(token.tokenHash, addMs(t, 999))).not.toBeNull();
    expect(await store().findCredential(session.tokenHash, addMs(t, 1001))).toBeNull();
    expect(await store().findCredential(token.tokenHash, addMs(t, 1001))).toBeNull();
  });

  test('touchCredential on a session is throttled by minIntervalMs', async () => {
    const user = await makeUser(store());
    const session = await makeSession(store(), user.id);
    const early = addMs(session.lastSeenAt, 30_000);
    await store().touchCredential('session', session.id, early, 60_000);
    expect((await store().findCredential(session.tokenHash, early))?.lastUsedAt).toBe(session.lastSeenAt);
    const late = addMs(session.lastSeenAt, 61_000);
    await store().touchCredential('session', session.id, late, 60_000);
    expect((await store().findCredential(session.tokenHash, late))?.lastUsedAt).toBe(late);
  });

  test('touchCredential on an API token sets lastUsedAt, then throttles', async () => {
    const user = await makeUser(store());
    const token = await makeApiToken(store(), user.id);
    const first = now();
    await store().touchCredential('api_token', token.id, first, 60_000);
    expect((await store().findCredential(token.tokenHash, first))?.lastUsedAt).toBe(first);
    await store().touchCredential('api_token', token.id, addMs(first, 59_000), 60_000);
    expect((await store().findCredential(token.tokenHash, first))?.lastUsedAt).toBe(first);
    const [listed] = await store().listApiTokens(user.id);
    expect(listed?.lastUsedAt).toBe(first);
  });

  test('touchCredential of an unknown id does not throw', async () => {
    await store().touchCredential('session', randomUUID(), now(), 0);
    await store().touchCredential('api_token', randomUUID(), now(), 0);
  });

  test('revokeSession deletes the session; again → false', async () => {
    const user = await makeUser(store());
    const session = await makeSession(store(), user.id);
    expect(await store().revokeSession(user.id, session.id)).toBe(true);
    expect(await store().findCredential(session.tokenHash, now())).toBeNull();
    expect(await store().revokeSession(user.id, session.id)).toBe(false);
  });

  test("revokeSession with another user's id → false, session still valid", async () => {
    const owner = await makeUser(store());
    const other = await makeUser(store());
    const session = await makeSession(store(), owner.id);
    expect(await store().revokeSession(other.id, session.id)).toBe(false);
    expect(await store().findCredential(session.tokenHash, now())).not.toBeNull();
  });

  test('createApiToken returns the token; listApiTokens is newest first, expired included, own only', async () => {
    const user = await makeUser(store());
    const other = await makeUser(store());
    const t = now();
    const expired = await makeApiToken(store(), user.id, { createdAt: addMs(t, -3000), expiresAt: addMs(t, -1000) });
    const middle = await makeApiToken(store(), user.id, { createdAt: addMs(t, -2000) });
    const newest = await makeApiToken(store(), user.id, {
      createdAt: addMs(t, -1000),
      expiresAt: addMs(t, 86_400_000),
    });
    await makeApiToken(store(), other.id);
    expect(await store().listApiTokens(user.id)).toEqual([newest, middle, expired]);
  });

  test('revokeApiToken: own → true and gone; again → false; another user → false', async () => {
    const owner = await makeUser(store());
    const other = await makeUser(store());
    const token = await makeApiToken(store(), owner.id);
    expect(await store().revokeApiToken(other.id, token.id)).toBe(false);
    expect(await store().findCredential(token.tokenHash, now())).not.toBeNull();
    expect(await store().revokeApiToken(owner.id, token.id)).toBe(true);
    expect(await store().findCredential(token.tokenHash, now())).toBeNull();
    expect(await store().listApiTokens(owner.id)).toEqual([]);
    expect(await store().revokeApiToken(owner.id, token.id)).toBe(false);
  });
});
