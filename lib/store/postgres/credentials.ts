/**
 * Sessions and API tokens in PostgreSQL. A presented token resolves in ONE query (a UNION ALL of
 * both kinds, each by its unique token_hash index, joined to the user), and last-used stamps are
 * written only when older than the caller's interval, so most requests write nothing.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import { apiTokens, sessions } from '../../../db/schema.js';
import { assertStorable } from '../../validation/storable-json.js';
import type { ApiTokenRecord, Credential, SessionRecord } from '../types.js';
import type { Executor } from './executor.js';
import { iso, isoOrNull, toApiToken, toSession, toUser, type UserRow } from './rows.js';
import { isUuid } from '../../validation/uuid.js';

export async function createSession(db: Executor, session: SessionRecord): Promise<SessionRecord> {
  await db.insert(sessions).values(session);
  return toSession(session);
}

export async function revokeSession(db: Executor, userId: string, sessionId: string): Promise<boolean> {
  if (!isUuid(sessionId)) return false;
  const rows = await db
    .delete(sessions)
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)))
    .returning({ id: sessions.id });
  return rows.length > 0;
}

export async function createApiToken(db: Executor, token: ApiTokenRecord): Promise<ApiTokenRecord> {
  assertStorable({ name: token.name });
  await db.insert(apiTokens).values(token);
  return toApiToken(token);
}

export async function listApiTokens(db: Executor, userId: string): Promise<ApiTokenRecord[]> {
  const rows = await db
    .select()
    .from(apiTokens)
    .where(eq(apiTokens.userId, userId))
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
  return rows.map(toApiToken);
}

export async function revokeApiToken(db: Executor, userId: string, tokenId: string): Promise<boolean> {
  if (!isUuid(tokenId)) return false;
  const rows = await db
    .delete(apiTokens)
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId)))
    .returning({ id: apiTokens.id });
  return rows.length > 0;
}

interface CredentialRow extends UserRow {
  kind: Credential['kind'];
  credentialId: string;
  expiresAt: string | null;
  credentialLastUsedAt: string | null;
}

export async function findCredential(db: Executor, tokenHash: string, now: string): Promise<Credential | null> {
  const rows = await db.execute<CredentialRow & Record<string, unknown>>(sql`
    select c.kind, c.id as "credentialId", c.expires_at as "expiresAt", c.last_used_at as "credentialLastUsedAt",
           u.id, u.email, u.username, u.display_name as "displayName", u.password_hash as "passwordHash",
           u.created_at as "createdAt", u.updated_at as "updatedAt", u.last_login_at as "lastLoginAt"
    from (
      select 'session' as kind, id, user_id, expires_at, last_seen_at as last_used_at
      from sessions where token_hash = ${tokenHash} and expires_at > ${now}::timestamptz
      union all
      select 'api_token' as kind, id, user_id, expires_at, last_used_at
      from api_tokens where token_hash = ${tokenHash}
        and (expires_at is null or expires_at > ${now}::timestamptz)
    ) c
    join users u on u.id = c.user_id
    limit 1`);
  const row = rows[0];
  if (!row) return null;
  return {
    kind: row.kind,
    id: row.credentialId,
    user: toUser(row),
    expiresAt: isoOrNull(row.expiresAt),
    lastUsedAt: row.credentialLastUsedAt === null ? null : iso(row.credentialLastUsedAt),
  };
}

export async function touchCredential(
  db: Executor,
  kind: Credential['kind'],
  id: string,
  at: string,
  minIntervalMs: number,
): Promise<void> {
  const threshold = sql`(${at}::timestamptz - ${minIntervalMs}::float8 * interval '1 millisecond')`;
  if (kind === 'session') {
    await db.execute(sql`
      update sessions set last_seen_at = ${at}::timestamptz
      where id = ${id} and last_seen_at <= ${threshold}`);
  } else {
    await db.execute(sql`
      update api_tokens set last_used_at = ${at}::timestamptz
      where id = ${id} and (last_used_at is null or last_used_at <= ${threshold})`);
  }
}
