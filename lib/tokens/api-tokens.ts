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
import { storable } from '../validation/storable-schema.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export const createTokenBody = z.object({
  name: storable(z.string().trim().min(1).max(100)),
  /** Omitted → the token never expires. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type CreateTokenBody = z.infer<typeof createTokenBody>;

export interface PublicApiToken {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

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
): Promise<{ token: string; apiToken: PublicApiToken }> {
  const { token, hash, prefix } = generateToken();
  const expiresAt = body.expiresInDays === undefined ? null : new Date(Date.parse(now) + body.expiresInDays * DAY_MS).toISOString();
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

export async function listApiTokens(store: Store, userId: string): Promise<{ items: PublicApiToken[] }> {
  return { items: (await store.listApiTokens(userId)).map(presentApiToken) };
}

export async function revokeApiToken(store: Store, userId: string, rawId: string | undefined): Promise<void> {
  const tokenId = pathId(rawId, 'API token');
  if (!(await store.revokeApiToken(userId, tokenId))) throw notFound('API token');
}
