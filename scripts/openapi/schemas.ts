/**
 * The response schemas of docs/openapi.json, by their document names. Each resource is declared
 * once, next to its presenter in the domain modules (which infer their TS types from it); only
 * the health bodies, built by api/health.ts alone, are declared here.
 */
import { z } from 'zod';
import { me } from '../../lib/auth/me.js';
import { publicUser } from '../../lib/auth/public-user.js';
import { sessionGrant } from '../../lib/auth/sessions.js';
import { conversationWithMessages, publicConversation } from '../../lib/conversations/conversations.js';
import { errorEnvelope } from '../../lib/http/error-reply.js';
import { publicMessage } from '../../lib/messages/present.js';
import { pageOf } from '../../lib/pagination/cursor.js';
import { searchItem } from '../../lib/search/search.js';
import { apiTokenList, createdApiToken, publicApiToken } from '../../lib/tokens/api-tokens.js';
import { usageView } from '../../lib/usage/view.js';

export const User = publicUser;
export const SessionGrant = sessionGrant;
export const Conversation = publicConversation;
export const Message = publicMessage;
export const ConversationWithMessages = conversationWithMessages;
export const ApiToken = publicApiToken;
export const CreatedApiToken = createdApiToken;
export const ApiTokenList = apiTokenList;
export const Usage = usageView;
export const Me = me;
export const ConversationPage = pageOf(Conversation);
export const MessagePage = pageOf(Message);
/** PUT …/messages answers the whole list as stored (issue 12). */
export const MessageList = z.object({ items: z.array(Message) });
export const SearchPage = pageOf(searchItem);
export const Error = errorEnvelope;
export const Health = z.object({
  status: z.enum(['ok', 'degraded', 'unavailable']),
  storage: z.enum(['postgres', 'json']),
  version: z.string(),
  /** One storage round trip, in milliseconds (absent when storage is unreachable). */
  latencyMs: z.number().optional(),
  db: z
    .object({
      latencyMs: z.number(),
      pool: z.object({
        max: z.number().int(),
        open: z.number().int(),
        idle: z.number().int(),
        waiting: z.number().int(),
      }),
    })
    .optional(),
  migrations: z.object({ applied: z.number().int(), pending: z.number().int() }).optional(),
  /** With status "degraded": what the operator must fix (e.g. the JSON store's disk is full). */
  problem: z.string().optional(),
  /** JSON store that refuses writes (Vercel without DATABASE_URL): reads work, writes answer 503. */
  readOnly: z.literal(true).optional(),
});
/** GET /api/health's 503: the health shape and the error envelope in one body. */
export const HealthUnavailable = Health.extend(Error.shape);
