/**
 * Users in PostgreSQL: creation (with the usage row and an optional first session, in one
 * transaction) and case-insensitive lookups served by the lower(email)/lower(username) indexes.
 */
import { assertStorable } from '../../validation/storable-json.js';
import { newUsage } from '../../usage/windows.js';
import type { NewUser, SessionRecord, UserRecord } from '../types.js';
import { insertSession } from './credentials.js';
import { rows, transaction, type Db, type Executor } from './executor.js';
import { toUser, type UserRow } from './rows.js';
import { isUuid } from '../../validation/uuid.js';

/** Selects a UserRow from `users`. */
export const USER_COLUMNS = `id, email, username, display_name as "displayName", password_hash as "passwordHash",
  created_at as "createdAt", updated_at as "updatedAt", last_login_at as "lastLoginAt"`;

const INSERT_USER = `insert into users (id, email, username, display_name, password_hash, created_at, updated_at, last_login_at)
  values ($1, $2, $3, $4, $5, $6::timestamptz, $7::timestamptz, null)`;
const INSERT_USAGE = `insert into usage (user_id, tier, daily_used, daily_window_start, monthly_used, monthly_window_start, total_used)
  values ($1, $2, $3, $4::timestamptz, $5, $6::timestamptz, $7)`;

export async function createUser(db: Db, user: NewUser, session?: SessionRecord): Promise<UserRecord> {
  assertStorable({ email: user.email, username: user.username, displayName: user.displayName });
  const row = { ...user, updatedAt: user.updatedAt ?? user.createdAt, lastLoginAt: null };
  const u = newUsage(user.id, user.createdAt);
  await transaction(db, async (tx) => {
    await rows(tx, INSERT_USER, [
      row.id,
      row.email,
      row.username,
      row.displayName,
      row.passwordHash,
      row.createdAt,
      row.updatedAt,
    ]);
    await rows(tx, INSERT_USAGE, [
      u.userId,
      u.tier,
      u.dailyUsed,
      u.dailyWindowStart,
      u.monthlyUsed,
      u.monthlyWindowStart,
      u.totalUsed,
    ]);
    if (session) await insertSession(tx, session);
  });
  return toUser(row);
}

async function oneUser(db: Executor, where: string, params: string[]): Promise<UserRecord | null> {
  const [row] = await rows<UserRow>(db, `select ${USER_COLUMNS} from users where ${where} limit 1`, params);
  return row ? toUser(row) : null;
}

export function getUserById(db: Executor, id: string): Promise<UserRecord | null> {
  return isUuid(id) ? oneUser(db, 'id = $1', [id]) : Promise.resolve(null);
}

export function findUserByEmail(db: Executor, email: string): Promise<UserRecord | null> {
  return oneUser(db, 'lower(email) = lower($1)', [email]);
}

export function findUserByUsername(db: Executor, username: string): Promise<UserRecord | null> {
  return oneUser(db, 'lower(username) = lower($1)', [username]);
}

/** Email first: a login string that is one user's email and another's username means the email. */
export function findUserByLogin(db: Executor, login: string): Promise<UserRecord | null> {
  return oneUser(db, 'lower(email) = lower($1) or lower(username) = lower($1) order by lower(email) = lower($1) desc', [
    login,
  ]);
}

export async function recordLogin(db: Executor, userId: string, at: string): Promise<void> {
  await rows(db, 'update users set last_login_at = $2::timestamptz where id = $1', [userId, at]);
}
