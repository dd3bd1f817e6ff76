/**
 * API tokens: long-lived bearer tokens a user creates for scripts. The plaintext is returned once,
 * at creation; only its hash is stored. Unknown, foreign and non-UUID ids are all 404.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { generateToken } from '../auth/credentials.js';
import { notFound } from '../errors.js';
import type { ApiTokenRecord, Store } from '../store/types.js';
import { pathId } from '../validation/path-id.js';
import { isoTimestamp, uuid } from '../validation/resource-fields.js';
import { storable } from '../validation/storable-schema.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export const createTokenBody = z.object({
  name: storable(z.string().trim().min(1).max(100)),
  /** Omitted → the token never expires. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type CreateTokenBody = z.infer<typeof createTokenBody>;

export const publicApiToken = z.object({
  id: uuid,
  name: z.string(),
  prefix: z.string(),
  createdAt: isoTimestamp,
  lastUsedAt: isoTimestamp.nullable(),
  expiresAt: isoTimestamp.nullable(),
});
export type PublicApiToken = z.infer<typeof publicApiToken>;
/** POST /api/tokens: the plaintext, shown only here, and the token's metadata. */
export const createdApiToken = z.object({ token: z.string(), apiToken: publicApiToken });
export const apiTokenList = z.object({ items: z.array(publicApiToken) });

export function presentApiToken(record: ApiTokenRecord): PublicApiToken {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    createdAt: record.createdAt,
    lastUsedAt: record.lastUsedAt,
    expiresAt: record.expiresAt,
  };
}

export async function createApiToken(
  store: Store,
  userId: string,
  body: CreateTokenBody,
  now: string,
): Promise<z.infer<typeof createdApiToken>> {
  const { token, hash, prefix } = generateToken();
  const expiresAt =
    body.expiresInDays === undefined ? null : new Date(Date.parse(now) + body.expiresInDays * DAY_MS).toISOString();
  const record = await store.createApiToken({
    id: randomUUID(),
    userId,
    name: body.name,
    prefix,
    tokenHash: hash,
    createdAt: now,
    lastUsedAt: null,
    expiresAt,
  });
  return { token, apiToken: presentApiToken(record) };
}

export async function listApiTokens(store: Store, userId: string): Promise<z.infer<typeof apiTokenList>> {
  return { items: (await store.listApiTokens(userId)).map(presentApiToken) };
}

export async function revokeApiToken(store: Store, userId: string, rawId: string | undefined): Promise<void> {
  const tokenId = pathId(rawId, 'API token');
  if (!(await store.revokeApiToken(userId, tokenId))) throw notFound('API token');
}
