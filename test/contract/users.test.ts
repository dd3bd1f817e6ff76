/**
 * Contract: users — creation (with usage row and optional first session), case-insensitive
 * uniqueness and lookups, lastLoginAt.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { backendCases } from '../helpers/backends.js';
import { expectAppError, useStore } from '../helpers/contract.js';
import { makeUser, newSession, newUser, now } from '../helpers/factories.js';

describe.each(backendCases)('%s', (_name, backend) => {
  const store = useStore(backend);

  test('kind names the backend', () => {
    expect(store().kind).toBe(backend.name);
  });

  test('createUser returns the user as given, lastLoginAt null', async () => {
    const input = newUser({ email: `Mixed.Case-${randomUUID().slice(0, 8)}@Example.TEST` });
    const user = await store().createUser(input);
    expect(user).toEqual({ ...input, lastLoginAt: null });
    expect(await store().getUserById(input.id)).toEqual(user);
  });

  test('updatedAt defaults to createdAt', async () => {
    const { updatedAt: _omit, ...input } = newUser();
    const user = await store().createUser(input);
    expect(user.updatedAt).toBe(input.createdAt);
  });

  test('getUserById of an unknown id → null', async () => {
    expect(await store().getUserById(randomUUID())).toBeNull();
  });

  test('a new user gets a free-tier usage row', async () => {
    const user = await makeUser(store());
    const usage = await store().getUsage(user.id, now());
    expect(usage).toMatchObject({ userId: user.id, tier: 'free', dailyUsed: 0, monthlyUsed: 0, totalUsed: 0 });
  });

  test('createUser with a first session stores the session', async () => {
    const input = newUser();
    const session = newSession(input.id);
    await store().createUser(input, session);
    const credential = await store().findCredential(session.tokenHash, now());
    expect(credential).toMatchObject({ kind: 'session', id: session.id, user: { id: input.id } });
  });

  test('email clash differing only in case → 409 conflict on email, nothing written', async () => {
    const first = await makeUser(store());
    const clash = newUser({ email: first.email.toUpperCase() });
    const session = newSession(clash.id);
    await expectAppError(store().createUser(clash, session), { status: 409, code: 'conflict', path: 'email' });
    expect(await store().getUserById(clash.id)).toBeNull();
    expect(await store().findUserByUsername(clash.username)).toBeNull();
    expect(await store().findCredential(session.tokenHash, now())).toBeNull();
  });

  test('username clash differing only in case → 409 conflict on username, nothing written', async () => {
    const first = await makeUser(store());
    const clash = newUser({ username: first.username.toUpperCase() });
    await expectAppError(store().createUser(clash), { status: 409, code: 'conflict', path: 'username' });
    expect(await store().getUserById(clash.id)).toBeNull();
    expect(await store().findUserByEmail(clash.email)).toBeNull();
  });

  test('find by email, username and login ignores case', async () => {
    const user = await makeUser(store());
    expect((await store().findUserByEmail(user.email.toUpperCase()))?.id).toBe(user.id);
    expect((await store().findUserByUsername(user.username.toUpperCase()))?.id).toBe(user.id);
    expect((await store().findUserByLogin(user.email.toUpperCase()))?.id).toBe(user.id);
    expect((await store().findUserByLogin(user.username.toUpperCase()))?.id).toBe(user.id);
    expect(await store().findUserByEmail(`nobody-${randomUUID()}@example.test`)).toBeNull();
    expect(await store().findUserByUsername(`nobody_${randomUUID()}`)).toBeNull();
    expect(await store().findUserByLogin(`nobody_${randomUUID()}`)).toBeNull();
  });

  test('lookups do not treat LIKE wildcards as patterns', async () => {
    const user = await makeUser(store());
    expect(await store().findUserByUsername(user.username.replace('user_', 'user%'))).toBeNull();
    expect(await store().findUserByLogin(user.username.slice(0, -1) + '_')).toBeNull();
  });

  test('recordLogin sets lastLoginAt', async () => {
    const user = await makeUser(store());
    const at = now();
    await store().recordLogin(user.id, at);
    expect((await store().getUserById(user.id))?.lastLoginAt).toBe(at);
    expect((await store().findUserByLogin(user.email))?.lastLoginAt).toBe(at);
  });
});
