/**
 * zod schemas of the API's resources and error envelope, used only to document responses in
 * docs/openapi.json (request schemas come straight from the routes' domain modules).
 */
import { z } from 'zod';
import { jsonValue } from '../../lib/validation/storable-schema.js';

const iso = z.iso.datetime({ precision: 3 });
const id = z.uuid();

export const User = z.object({
  id,
  email: z.string(),
  username: z.string(),
  displayName: z.string(),
  createdAt: iso,
  lastLoginAt: iso.nullable(),
});
export const SessionGrant = z.object({ user: User, token: z.string(), expiresAt: iso });
export const Conversation = z.object({ id, title: z.string(), createdAt: iso, updatedAt: iso, messageCount: z.number().int() });
export const Message = z.object({
  id,
  conversationId: id,
  role: z.enum(['user', 'assistant', 'system']),
  content: z.string(),
  metadata: z.record(z.string(), jsonValue),
  createdAt: iso,
});
export const ConversationWithMessages = Conversation.extend({ messages: z.array(Message) });
export const ApiToken = z.object({
  id,
  name: z.string(),
  prefix: z.string(),
  createdAt: iso,
  lastUsedAt: iso.nullable(),
  expiresAt: iso.nullable(),
});
export const CreatedApiToken = z.object({ token: z.string(), apiToken: ApiToken });
export const ApiTokenList = z.object({ items: z.array(ApiToken) });
const window = z.object({ used: z.number().int(), limit: z.number().int(), resetsAt: iso });
export const Usage = z.object({ tier: z.string(), daily: window, monthly: window, total: z.number().int() });
export const Me = z.object({ user: User, usage: Usage });
const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
export const ConversationPage = page(Conversation);
export const MessagePage = page(Message);
export const SearchPage = page(z.object({ message: Message, conversationTitle: z.string(), snippet: z.string() }));
export const Error = z.object({
  error: z.object({
    code: z.enum([
      'validation_failed',
      'bad_request',
      'unauthorized',
      'not_found',
      'method_not_allowed',
      'conflict',
      'payload_too_large',
      'unsupported_media_type',
      'rate_limited',
      'internal',
      'unavailable',
    ]),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })),
    requestId: z.string(),
  }),
});
export const Health = z.object({
  status: z.enum(['ok', 'unavailable']),
  storage: z.enum(['postgres', 'json']),
  version: z.string(),
  db: z
    .object({
      latencyMs: z.number(),
      pool: z.object({ max: z.number().int(), open: z.number().int(), idle: z.number().int(), waiting: z.number().int() }),
    })
    .optional(),
  migrations: z.object({ applied: z.number().int(), pending: z.number().int() }).optional(),
  /** JSON store that refuses writes (Vercel without DATABASE_URL): reads work, writes answer 503. */
  readOnly: z.literal(true).optional(),
});
