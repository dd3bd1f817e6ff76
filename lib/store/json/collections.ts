/**
 * Users, sessions, API tokens and login throttling over the JSON store's collection files
 * (users.json, sessions.json, api-tokens.json, usage.json, login-failures.json).
 *
 * createUser touches three files; they cannot change atomically together, so users.json is
 * written last as the commit point: a crash before it leaves only an orphan usage row or
 * session, which nothing can reach without the user.
 */
import { conflict, validationFailed } from '../../errors.js';
import { logger } from '../../log.js';
import { newUsage } from '../../usage/windows.js';
import { assertStorable } from '../../validation/storable-json.js';
import type {
  ApiTokenRecord,
  Credential,
  LoginThrottlePolicy,
  NewUser,
  SessionRecord,
  UsageRecord,
  UserRecord,
} from '../types.js';
import type { DataDir } from './data-dir.js';
import { canonicalId, canonicalTime, type LoginFailureRecord } from './format.js';

const lower = (s: string): string => s.toLowerCase();

/** Records handed out are copies: the cached collections must not change if a caller edits one. */
const copy = <T extends object>(record: T | undefined): T | null => (record === undefined ? null : { ...record });

export function requireId(id: string, field: string): string {
  const canonical = canonicalId(id);
  if (canonical === null) throw validationFailed([{ path: field, message: 'must be a UUID' }]);
  return canonical;
}

export function normaliseSession(session: SessionRecord): SessionRecord {
  assertStorable({ tokenHash: session.tokenHash });
  return {
    id: requireId(session.id, 'id'),
    userId: requireId(session.userId, 'userId'),
    tokenHash: session.tokenHash,
    createdAt: canonicalTime(session.createdAt, 'createdAt'),
    expiresAt: canonicalTime(session.expiresAt, 'expiresAt'),
    lastSeenAt: canonicalTime(session.lastSeenAt, 'lastSeenAt'),
  };
}

function normaliseUser(user: NewUser): UserRecord {
  assertStorable({
    email: user.email,
    username: user.username,
    displayName: user.displayName,
    passwordHash: user.passwordHash,
  });
  const createdAt = canonicalTime(user.createdAt, 'createdAt');
  return {
    id: requireId(user.id, 'id'),
    email: user.email,
    username: user.username,
    displayName: user.displayName,
    passwordHash: user.passwordHash,
    createdAt,
    updatedAt: user.updatedAt === undefined ? createdAt : canonicalTime(user.updatedAt, 'updatedAt'),
    lastLoginAt: null,
  };
}

export async function createUser(data: DataDir, input: NewUser, sessionInput?: SessionRecord): Promise<UserRecord> {
  const user = normaliseUser(input);
  const session = sessionInput && normaliseSession(sessionInput);
  return data.write(async () => {
    const users = await data.readCollection<UserRecord>('users');
    if (users.some((u) => lower(u.email) === lower(user.email))) throw conflict('email');
    if (users.some((u) => lower(u.username) === lower(user.username))) throw conflict('username');
    if (users.some((u) => u.id === user.id)) throw conflict('id');
    const usage = await data.readCollection<UsageRecord>('usage');
    if (!usage.some((row) => row.userId === user.id)) {
      await data.writeCollection('usage', [...usage, newUsage(user.id, user.createdAt)]);
    }
    if (session) await insertSession(data, session);
    await data.writeCollection('users', [...users, user]);
    return user;
  });
}

export async function getUserById(data: DataDir, id: string): Promise<UserRecord | null> {
  const canonical = canonicalId(id);
  if (canonical === null) return null;
  return data.read(async () => copy((await data.readCollection<UserRecord>('users')).find((u) => u.id === canonical)));
}

export async function findUser(
  data: DataDir,
  by: 'email' | 'username' | 'login',
  value: string,
): Promise<UserRecord | null> {
  const wanted = lower(value);
  return data.read(async () => {
    const users = await data.readCollection<UserRecord>('users');
    const byEmail = by !== 'username' ? users.find((u) => lower(u.email) === wanted) : undefined;
    const byUsername = by !== 'email' ? users.find((u) => lower(u.username) === wanted) : undefined;
    return copy(byEmail ?? byUsername);
  });
}

export async function recordLogin(data: DataDir, userId: string, at: string): Promise<void> {
  const id = canonicalId(userId);
  const when = canonicalTime(at, 'at');
  if (id === null) return;
  await data.write(async () => {
    const users = await data.readCollection<UserRecord>('users');
    const index = users.findIndex((u) => u.id === id);
    if (index < 0) return;
    const next = users.slice();
    next[index] = { ...users[index]!, lastLoginAt: when };
    await data.writeCollection('users', next);
  });
}

async function insertSession(data: DataDir, session: SessionRecord): Promise<void> {
  const sessions = await data.readCollection<SessionRecord>('sessions');
  if (sessions.some((s) => s.id === session.id)) throw conflict('id');
  if (sessions.some((s) => s.tokenHash === session.tokenHash)) throw conflict('tokenHash');
  await data.writeCollection('sessions', [...sessions, session]);
}

export async function createSession(data: DataDir, input: SessionRecord): Promise<SessionRecord> {
  const session = normaliseSession(input);
  return data.write(async () => {
    await insertSession(data, session);
    return session;
  });
}

/** Deletes the user's record with this id from a credential collection; false when absent. */
async function revokeOwned(
  data: DataDir,
  name: 'sessions' | 'api-tokens',
  userId: string,
  id: string,
): Promise<boolean> {
  const owner = canonicalId(userId);
  const target = canonicalId(id);
  if (owner === null || target === null) return false;
  return data.write(async () => {
    const items = await data.readCollection<{ id: string; userId: string }>(name);
    const next = items.filter((item) => !(item.id === target && item.userId === owner));
    if (next.length === items.length) return false;
    await data.writeCollection(name, next);
    return true;
  });
}

export const revokeSession = (data: DataDir, userId: string, id: string): Promise<boolean> =>
  revokeOwned(data, 'sessions', userId, id);
export const revokeApiToken = (data: DataDir, userId: string, id: string): Promise<boolean> =>
  revokeOwned(data, 'api-tokens', userId, id);

export async function createApiToken(data: DataDir, input: ApiTokenRecord): Promise<ApiTokenRecord> {
  assertStorable({ name: input.name, prefix: input.prefix, tokenHash: input.tokenHash });
  const token: ApiTokenRecord = {
    ...input,
    id: requireId(input.id, 'id'),
    userId: requireId(input.userId, 'userId'),
    createdAt: canonicalTime(input.createdAt, 'createdAt'),
    lastUsedAt: input.lastUsedAt === null ? null : canonicalTime(input.lastUsedAt, 'lastUsedAt'),
    expiresAt: input.expiresAt === null ? null : canonicalTime(input.expiresAt, 'expiresAt'),
  };
  return data.write(async () => {
    const tokens = await data.readCollection<ApiTokenRecord>('api-tokens');
    if (tokens.some((t) => t.id === token.id)) throw conflict('id');
    if (tokens.some((t) => t.tokenHash === token.tokenHash)) throw conflict('tokenHash');
    await data.writeCollection('api-tokens', [...tokens, token]);
    return token;
  });
}

export async function listApiTokens(data: DataDir, userId: string): Promise<ApiTokenRecord[]> {
  const owner = canonicalId(userId);
  if (owner === null) return [];
  return data.read(async () => {
    const tokens = (await data.readCollection<ApiTokenRecord>('api-tokens')).filter((t) => t.userId === owner);
    return tokens.sort((a, b) => cmpDesc(a.createdAt, b.createdAt) || cmpDesc(a.id, b.id)).map((t) => ({ ...t }));
  });
}

export function cmpDesc(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}

export async function findCredential(data: DataDir, tokenHash: string, nowInput: string): Promise<Credential | null> {
  const now = canonicalTime(nowInput, 'now');
  return data.read(async () => {
    const session = (await data.readCollection<SessionRecord>('sessions')).find(
      (s) => s.tokenHash === tokenHash && s.expiresAt > now,
    );
    const token = session
      ? undefined
      : (await data.readCollection<ApiTokenRecord>('api-tokens')).find(
          (t) => t.tokenHash === tokenHash && (t.expiresAt === null || t.expiresAt > now),
        );
    const live = session
      ? {
          kind: 'session' as const,
          id: session.id,
          userId: session.userId,
          expiresAt: session.expiresAt,
          lastUsedAt: session.lastSeenAt,
        }
      : token && {
          kind: 'api_token' as const,
          id: token.id,
          userId: token.userId,
          expiresAt: token.expiresAt,
          lastUsedAt: token.lastUsedAt,
        };
    if (!live) return null;
    const user = (await data.readCollection<UserRecord>('users')).find((u) => u.id === live.userId);
    if (!user) return null;
    const { userId: _owner, ...credential } = live;
    return { ...credential, user: { ...user } };
  });
}

function isDue(last: string | null, at: string, minIntervalMs: number): boolean {
  return last === null || Date.parse(at) - Date.parse(last) >= minIntervalMs;
}

/** True after a failed touch, until one succeeds: the failure is logged once, not per request. */
let touchFailing = false;

export async function touchCredential(
  data: DataDir,
  kind: Credential['kind'],
  idInput: string,
  atInput: string,
  minIntervalMs: number,
): Promise<void> {
  const id = canonicalId(idInput);
  const at = canonicalTime(atInput, 'at');
  if (id === null) return;
  const name = kind === 'session' ? 'sessions' : 'api-tokens';
  const field = kind === 'session' ? 'lastSeenAt' : 'lastUsedAt';
  type Touchable = { id: string } & Record<typeof field, string | null>;
  const current = await data.read(async () =>
    (await data.readCollection<Touchable>(name)).find((item) => item.id === id),
  );
  // Checked before taking the lock so the common case (recently touched) costs no write.
  if (!current || !isDue(current[field], at, minIntervalMs)) return;
  try {
    await data.write(async () => {
      const items = await data.readCollection<Touchable>(name);
      const index = items.findIndex((item) => item.id === id);
      if (index < 0 || !isDue(items[index]![field], at, minIntervalMs)) return;
      const next = items.slice();
      next[index] = { ...items[index]!, [field]: at };
      await data.writeCollection(name, next);
    });
    touchFailing = false;
  } catch (error) {
    // Best effort: a read must not fail because its bookkeeping cannot be written (disk full,
    // read-only filesystem, lock busy). Logged once until a touch succeeds again.
    if (!touchFailing)
      logger.warn('lastSeenAt/lastUsedAt not updated (best effort; not logged again until one succeeds)', { error });
    touchFailing = true;
  }
}

export async function getLoginLock(data: DataDir, loginKey: string, nowInput: string): Promise<string | null> {
  const now = canonicalTime(nowInput, 'now');
  return data.read(async () => {
    const row = (await data.readCollection<LoginFailureRecord>('login-failures')).find((r) => r.loginKey === loginKey);
    return row?.lockedUntil && row.lockedUntil > now ? row.lockedUntil : null;
  });
}

export async function recordLoginFailure(
  data: DataDir,
  loginKey: string,
  nowInput: string,
  policy: LoginThrottlePolicy,
): Promise<string | null> {
  assertStorable({ loginKey });
  const now = canonicalTime(nowInput, 'now');
  return data.write(async () => {
    const rows = await data.readCollection<LoginFailureRecord>('login-failures');
    const old = rows.find((r) => r.loginKey === loginKey);
    const fresh = old !== undefined && Date.parse(now) - Date.parse(old.windowStart) < policy.windowMs;
    const failures = fresh ? old.failures + 1 : 1;
    const locks = failures >= policy.maxFailures;
    const row: LoginFailureRecord = {
      loginKey,
      failures,
      windowStart: fresh ? old.windowStart : now,
      lockedUntil: locks ? new Date(Date.parse(now) + policy.lockMs).toISOString() : (old?.lockedUntil ?? null),
    };
    await data.writeCollection('login-failures', [...rows.filter((r) => r.loginKey !== loginKey), row]);
    return locks ? row.lockedUntil : null;
  });
}

export async function clearLoginFailures(data: DataDir, loginKey: string): Promise<void> {
  await data.write(async () => {
    const rows = await data.readCollection<LoginFailureRecord>('login-failures');
    const next = rows.filter((r) => r.loginKey !== loginKey);
    if (next.length !== rows.length) await data.writeCollection('login-failures', next);
  });
}
