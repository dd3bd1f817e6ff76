/**
 * Users in PostgreSQL: creation (with the usage row and an optional first session, in one
 * transaction) and case-insensitive lookups served by the lower(email)/lower(username) indexes.
 */
import { eq, sql } from 'drizzle-orm';
import { sessions, usage, users } from '../../../db/schema.js';
import { assertStorable } from '../../validation/storable-json.js';
import { newUsage } from '../../usage/windows.js';
import type { NewUser, SessionRecord, UserRecord } from '../types.js';
import type { Db, Executor } from './executor.js';
import { toUser } from './rows.js';
import { isUuid } from '../../validation/uuid.js';

export async function createUser(db: Db, user: NewUser, session?: SessionRecord): Promise<UserRecord> {
  assertStorable({ email: user.email, username: user.username, displayName: user.displayName });
  const row = { ...user, updatedAt: user.updatedAt ?? user.createdAt, lastLoginAt: null };
  await db.transaction(async (tx) => {
    await tx.insert(users).values(row);
    await tx.insert(usage).values(newUsage(user.id, user.createdAt));
    if (session) await tx.insert(sessions).values(session);
  });
  return toUser(row);
}

export async function getUserById(db: Executor, id: string): Promise<UserRecord | null> {
  if (!isUuid(id)) return null;
  const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return row ? toUser(row) : null;
}

export async function findUserByEmail(db: Executor, email: string): Promise<UserRecord | null> {
  const [row] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = lower(${email})`)
    .limit(1);
  return row ? toUser(row) : null;
}

export async function findUserByUsername(db: Executor, username: string): Promise<UserRecord | null> {
  const [row] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.username}) = lower(${username})`)
    .limit(1);
  return row ? toUser(row) : null;
}

/** Email first: a login string that is one user's email and another's username means the email. */
export async function findUserByLogin(db: Executor, login: string): Promise<UserRecord | null> {
  const [row] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = lower(${login}) or lower(${users.username}) = lower(${login})`)
    .orderBy(sql`lower(${users.email}) = lower(${login}) desc`)
    .limit(1);
  return row ? toUser(row) : null;
}

export async function recordLogin(db: Executor, userId: string, at: string): Promise<void> {
  await db.update(users).set({ lastLoginAt: at }).where(eq(users.id, userId));
}
