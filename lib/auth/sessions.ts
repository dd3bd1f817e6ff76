/**
 * Auth flows over the Store: register, login (throttled per account), logout.
 * Sessions last 30 days. A login that names no user costs the same as a wrong password and
 * answers with the same 401, so neither the message nor the timing reveals which logins exist.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { rateLimited, unauthorized } from '../errors.js';
import type { Credential, LoginThrottlePolicy, SessionRecord, Store, UserRecord } from '../store/types.js';
import { generateToken } from './credentials.js';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './password.js';
import { isoTimestamp } from '../validation/resource-fields.js';
import { presentUser, publicUser } from './public-user.js';
import type { LoginBody, RegisterBody } from './schemas.js';

export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/** 5 failed logins within 15 minutes lock that account (or unknown identifier) for 15 minutes. */
export const LOGIN_THROTTLE: LoginThrottlePolicy = { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

export const INVALID_LOGIN_MESSAGE = 'Invalid login or password.';

export const sessionGrant = z.object({ user: publicUser, token: z.string(), expiresAt: isoTimestamp });
export type SessionGrant = z.infer<typeof sessionGrant>;

function newSession(userId: string, now: string): { session: SessionRecord; token: string } {
  const { token, hash } = generateToken();
  const expiresAt = new Date(Date.parse(now) + SESSION_TTL_MS).toISOString();
  return { session: { id: randomUUID(), userId, tokenHash: hash, createdAt: now, expiresAt, lastSeenAt: now }, token };
}

/** Creates the user, its usage row and a first session in one atomic store call. */
export async function register(store: Store, body: RegisterBody, now: string): Promise<SessionGrant> {
  const passwordHash = await hashPassword(body.password);
  const id = randomUUID();
  const { session, token } = newSession(id, now);
  const user = await store.createUser(
    {
      id,
      email: body.email,
      username: body.username,
      displayName: body.displayName ?? body.username,
      passwordHash,
      createdAt: now,
      updatedAt: now,
    },
    session,
  );
  return { user: presentUser(user), token, expiresAt: session.expiresAt };
}

const secondsUntil = (iso: string, now: string): number => (Date.parse(iso) - Date.parse(now)) / 1000;

function lockedOut(until: string, now: string) {
  return rateLimited(secondsUntil(until, now), 'Too many failed logins. Try again later.');
}

/**
 * The throttle key of a login attempt: one per account, so guesses by email and by username add
 * up; a login that names no account is throttled by the identifier itself, so its 429 comes at the
 * same count as an account's and reveals nothing. The prefixes keep the two kinds apart.
 */
export function throttleKey(user: UserRecord | null, login: string): string {
  return user ? `account:${user.id}` : `login:${login.toLowerCase()}`;
}

/**
 * Checks the password and opens a session. Failures 1–5 within the window answer 401; once the
 * fifth has locked the account, every attempt (even a correct one, by email or username)
 * answers 429 until the lock ends.
 */
export async function login(store: Store, body: LoginBody, now: string): Promise<SessionGrant> {
  const user = await store.findUserByLogin(body.login);
  const loginKey = throttleKey(user, body.login);
  const lockedUntil = await store.getLoginLock(loginKey, now);
  if (lockedUntil !== null) throw lockedOut(lockedUntil, now);

  const ok = user ? await verifyPassword(body.password, user.passwordHash) : await verifyAgainstDummy(body.password);
  if (!user || !ok) {
    await store.recordLoginFailure(loginKey, now, LOGIN_THROTTLE);
    throw unauthorized(INVALID_LOGIN_MESSAGE);
  }
  return openSession(store, user, loginKey, now);
}

async function openSession(store: Store, user: UserRecord, loginKey: string, now: string): Promise<SessionGrant> {
  await store.clearLoginFailures(loginKey);
  const { session, token } = newSession(user.id, now);
  await store.createSession(session);
  await store.recordLogin(user.id, now);
  return { user: presentUser({ ...user, lastLoginAt: now }), token, expiresAt: session.expiresAt };
}

/**
 * Revokes the presented session. An API token is not a session: presenting one here is a 401
 * (revoke API tokens with DELETE /api/tokens/{id}), so a client never believes it logged out
 * while its credential still works.
 */
export async function logout(store: Store, credential: Credential): Promise<void> {
  if (credential.kind !== 'session') {
    throw unauthorized('Logout ends a session; revoke API tokens with DELETE /api/tokens/{id}.');
  }
  const revoked = await store.revokeSession(credential.user.id, credential.id);
  if (!revoked) throw unauthorized();
}
