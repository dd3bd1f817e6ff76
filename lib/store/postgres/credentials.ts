/**
 * Sessions and API tokens in PostgreSQL. A presented token resolves in ONE query (a UNION ALL of
 * both kinds, each by its unique token_hash index, joined to the user), and last-used stamps are
 * written only when older than the caller's interval, so most requests write nothing.
 */
import { assertStorable } from '../../validation/storable-json.js';
import type { ApiTokenRecord, Credential, SessionRecord } from '../types.js';
import { rows, type Executor } from './executor.js';
import { iso, isoOrNull, toApiToken, toSession, toUser, type UserRow } from './rows.js';
import { isUuid } from '../../validation/uuid.js';

const INSERT_SESSION = `insert into sessions (id, user_id, token_hash, created_at, expires_at, last_seen_at)
  values ($1, $2, $3, $4::timestamptz, $5::timestamptz, $6::timestamptz)`;
const INSERT_API_TOKEN = `insert into api_tokens (id, user_id, name, prefix, token_hash, created_at, last_used_at, expires_at)
  values ($1, $2, $3, $4, $5, $6::timestamptz, $7::timestamptz, $8::timestamptz)`;
const LIST_API_TOKENS = `select id, user_id as "userId", name, prefix, token_hash as "tokenHash", created_at as "createdAt",
  last_used_at as "lastUsedAt", expires_at as "expiresAt"
  from api_tokens where user_id = $1 order by created_at desc, id desc`;

/** $1 token hash, $2 now. */
export const FIND_CREDENTIAL = `
    select c.kind, c.id as "credentialId", c.expires_at as "expiresAt", c.last_used_at as "credentialLastUsedAt",
           u.id, u.email, u.username, u.display_name as "displayName", u.password_hash as "passwordHash",
           u.created_at as "createdAt", u.updated_at as "updatedAt", u.last_login_at as "lastLoginAt"
    from (
      select 'session' as kind, id, user_id, expires_at, last_seen_at as last_used_at
      from sessions where token_hash = $1 and expires_at > $2::timestamptz
      union all
      select 'api_token' as kind, id, user_id, expires_at, last_used_at
      from api_tokens where token_hash = $1
        and (expires_at is null or expires_at > $2::timestamptz)
    ) c
    join users u on u.id = c.user_id
    limit 1`;

const THRESHOLD = `($2::timestamptz - $3::float8 * interval '1 millisecond')`;
/** $1 id, $2 at, $3 the interval in milliseconds: the stamp moves only when older than that. */
export const TOUCH_SESSION = `update sessions set last_seen_at = $2::timestamptz
      where id = $1 and last_seen_at <= ${THRESHOLD}`;
/** The same for an API token. */
export const TOUCH_API_TOKEN = `update api_tokens set last_used_at = $2::timestamptz
      where id = $1 and (last_used_at is null or last_used_at <= ${THRESHOLD})`;

export async function insertSession(db: Executor, s: SessionRecord): Promise<void> {
  await rows(db, INSERT_SESSION, [s.id, s.userId, s.tokenHash, s.createdAt, s.expiresAt, s.lastSeenAt]);
}

export async function createSession(db: Executor, session: SessionRecord): Promise<SessionRecord> {
  await insertSession(db, session);
  return toSession(session);
}

export async function revokeSession(db: Executor, userId: string, sessionId: string): Promise<boolean> {
  if (!isUuid(sessionId)) return false;
  const deleted = await rows(db, 'delete from sessions where id = $1 and user_id = $2 returning id', [
    sessionId,
    userId,
  ]);
  return deleted.length > 0;
}

export async function createApiToken(db: Executor, token: ApiTokenRecord): Promise<ApiTokenRecord> {
  assertStorable({ name: token.name });
  const t = token;
  await rows(db, INSERT_API_TOKEN, [
    t.id,
    t.userId,
    t.name,
    t.prefix,
    t.tokenHash,
    t.createdAt,
    t.lastUsedAt,
    t.expiresAt,
  ]);
  return toApiToken(token);
}

export async function listApiTokens(db: Executor, userId: string): Promise<ApiTokenRecord[]> {
  return (await rows<ApiTokenRecord>(db, LIST_API_TOKENS, [userId])).map(toApiToken);
}

export async function revokeApiToken(db: Executor, userId: string, tokenId: string): Promise<boolean> {
  if (!isUuid(tokenId)) return false;
  const deleted = await rows(db, 'delete from api_tokens where id = $1 and user_id = $2 returning id', [
    tokenId,
    userId,
  ]);
  return deleted.length > 0;
}

interface CredentialRow extends UserRow {
  kind: Credential['kind'];
  credentialId: string;
  expiresAt: string | null;
  credentialLastUsedAt: string | null;
}

export async function findCredential(db: Executor, tokenHash: string, now: string): Promise<Credential | null> {
  const [row] = await rows<CredentialRow>(db, FIND_CREDENTIAL, [tokenHash, now]);
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
  await rows(db, kind === 'session' ? TOUCH_SESSION : TOUCH_API_TOKEN, [id, at, minIntervalMs]);
}
