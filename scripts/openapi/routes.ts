/**
 * The route table of docs/openapi.json: one entry per method and path, naming the zod schema the
 * route accepts (the same object the route file passes to ctx.body/ctx.query) and what it answers.
 */
import type { z } from 'zod';
import { loginBody, registerBody } from '../../lib/auth/schemas.js';
import { createConversationBody, updateConversationBody } from '../../lib/conversations/conversations.js';
import { appendMessageBody } from '../../lib/messages/messages.js';
import { pageQuery } from '../../lib/pagination/cursor.js';
import { searchQuery } from '../../lib/search/search.js';
import { createTokenBody } from '../../lib/tokens/api-tokens.js';
import * as R from './schemas.js';

export interface RouteDoc {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  summary: string;
  description?: string;
  /** false for register/login/health; true otherwise (Bearer token or tb_session cookie). */
  auth: boolean;
  body?: { name: string; schema: z.ZodType };
  query?: z.ZodObject;
  idempotent?: boolean;
  setsCookie?: boolean;
  success: { status: number; schema?: string; description: string };
  errors: number[];
}

const conversationId = '/api/conversations/{id}';

// OpenAPI cannot name a family of parameters by prefix, so the meta filters are described in prose.
const SEARCH_META =
  'Besides the parameters below, any number (up to 20) of `meta.<key>=<value>` query parameters filter on message metadata: ' +
  'the metadata must hold that top-level key with that string value.';

export const routes: RouteDoc[] = [
  { method: 'get', path: '/api/health', summary: 'Liveness and storage health', auth: false, success: { status: 200, schema: 'Health', description: 'Storage reachable' }, errors: [503] },
  { method: 'post', path: '/api/auth/register', summary: 'Create an account and a first session', auth: false, body: { name: 'RegisterBody', schema: registerBody }, setsCookie: true, success: { status: 201, schema: 'SessionGrant', description: 'Registered' }, errors: [400, 409, 413, 415] },
  { method: 'post', path: '/api/auth/login', summary: 'Open a session (email or username)', auth: false, body: { name: 'LoginBody', schema: loginBody }, setsCookie: true, success: { status: 200, schema: 'SessionGrant', description: 'Logged in' }, errors: [400, 401, 429] },
  { method: 'post', path: '/api/auth/logout', summary: 'Revoke the presented session and clear the cookie', auth: true, setsCookie: true, success: { status: 204, description: 'Logged out' }, errors: [401] },
  { method: 'get', path: '/api/me', summary: 'The signed-in user and their usage', auth: true, success: { status: 200, schema: 'Me', description: 'OK' }, errors: [401] },
  { method: 'get', path: '/api/usage', summary: "The caller's usage and limits", auth: true, success: { status: 200, schema: 'Usage', description: 'OK' }, errors: [401] },
  { method: 'get', path: '/api/tokens', summary: "The caller's API tokens, newest first", auth: true, success: { status: 200, schema: 'ApiTokenList', description: 'OK' }, errors: [401] },
  { method: 'post', path: '/api/tokens', summary: 'Create an API token (plaintext shown only here)', auth: true, body: { name: 'CreateTokenBody', schema: createTokenBody }, success: { status: 201, schema: 'CreatedApiToken', description: 'Created' }, errors: [400, 401] },
  { method: 'delete', path: '/api/tokens/{id}', summary: 'Revoke an API token', auth: true, success: { status: 204, description: 'Revoked' }, errors: [401, 404] },
  { method: 'get', path: '/api/conversations', summary: 'Conversations, newest updatedAt first', auth: true, query: pageQuery, success: { status: 200, schema: 'ConversationPage', description: 'One page' }, errors: [400, 401] },
  { method: 'post', path: '/api/conversations', summary: 'Create a conversation', auth: true, body: { name: 'CreateConversationBody', schema: createConversationBody }, idempotent: true, success: { status: 201, schema: 'Conversation', description: 'Created (or replayed)' }, errors: [400, 401, 409] },
  { method: 'get', path: conversationId, summary: 'A conversation with its messages, oldest first', auth: true, success: { status: 200, schema: 'ConversationWithMessages', description: 'OK' }, errors: [401, 404] },
  { method: 'patch', path: conversationId, summary: 'Rename and/or archive a conversation', auth: true, body: { name: 'UpdateConversationBody', schema: updateConversationBody }, success: { status: 200, schema: 'Conversation', description: 'Updated' }, errors: [400, 401, 404] },
  { method: 'delete', path: conversationId, summary: 'Delete a conversation and its messages', auth: true, success: { status: 204, description: 'Deleted' }, errors: [401, 404] },
  { method: 'get', path: `${conversationId}/messages`, summary: 'Messages, oldest first', auth: true, query: pageQuery, success: { status: 200, schema: 'MessagePage', description: 'One page' }, errors: [400, 401, 404] },
  { method: 'post', path: `${conversationId}/messages`, summary: 'Append a message (role "user" counts against the quota)', auth: true, body: { name: 'AppendMessageBody', schema: appendMessageBody }, idempotent: true, success: { status: 201, schema: 'Message', description: 'Appended (or replayed)' }, errors: [400, 401, 404, 409, 429] },
  { method: 'get', path: '/api/search', summary: "Full-text search over the caller's messages, best first", description: SEARCH_META, auth: true, query: searchQuery, success: { status: 200, schema: 'SearchPage', description: 'One page' }, errors: [400, 401] },
];

export const responseSchemas: Record<string, z.ZodType> = {
  User: R.User,
  SessionGrant: R.SessionGrant,
  Conversation: R.Conversation,
  ConversationWithMessages: R.ConversationWithMessages,
  Message: R.Message,
  ApiToken: R.ApiToken,
  ApiTokenList: R.ApiTokenList,
  CreatedApiToken: R.CreatedApiToken,
  Usage: R.Usage,
  Me: R.Me,
  ConversationPage: R.ConversationPage,
  MessagePage: R.MessagePage,
  SearchPage: R.SearchPage,
  Error: R.Error,
  Health: R.Health,
};
