/**
 * The route table of docs/openapi.json: one entry per method and path, naming the zod schema the
 * route accepts (the same object the route file passes to ctx.body/ctx.query) and what it answers.
 */
import type { z } from 'zod';
import { loginBody, registerBody } from '../../lib/auth/schemas.js';
import {
  createConversationBody,
  listConversationsQuery,
  updateConversationBody,
} from '../../lib/conversations/conversations.js';
import { deleteAfterQuery } from '../../lib/messages/message-body.js';
import { appendMessageBody, putMessageBody, replaceMessagesBody } from '../../lib/messages/messages.js';
import { pageQuery } from '../../lib/pagination/cursor.js';
import { searchQuery } from '../../lib/search/search.js';
import { createTokenBody } from '../../lib/tokens/api-tokens.js';
import * as R from './schemas.js';

export type Tag = 'Health' | 'Auth' | 'Account' | 'Tokens' | 'Conversations' | 'Messages' | 'Search';

/** The tags of the document, in display order, with their descriptions. */
export const tags: { name: Tag; description: string }[] = [
  { name: 'Health', description: 'Liveness and storage health, for load balancers and uptime checks.' },
  {
    name: 'Auth',
    description: 'Accounts and sessions. Register and login answer a session token and set the tb_session cookie.',
  },
  { name: 'Account', description: 'The signed-in user and their usage against the tier limits.' },
  {
    name: 'Tokens',
    description: 'Long-lived API tokens for scripts and servers; the plaintext is shown once, at creation.',
  },
  { name: 'Conversations', description: "The caller's conversations, keyset-paginated, newest activity first." },
  {
    name: 'Messages',
    description: 'Messages of a conversation, oldest first; appends count against the daily and monthly limits.',
  },
  { name: 'Search', description: "Full-text search over the caller's messages." },
];

export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  tag: Tag;
  summary: string;
  description: string;
  /** false for register/login/health; true otherwise (Bearer token or tb_session cookie). */
  auth: boolean;
  body?: { name: string; schema: z.ZodType };
  query?: z.ZodObject;
  idempotent?: boolean;
  setsCookie?: boolean;
  success: { status: number; schema?: string; description: string };
  /**
   * The route's own error statuses. document.ts adds what every route of a kind answers:
   * 413/415 with a body, 401 with auth, 500/503 everywhere but health, and a default response.
   */
  errors: number[];
}

const conversationId = '/api/conversations/{id}';

// OpenAPI cannot name a family of parameters by prefix, so the meta filters are described in prose.
const SEARCH_META =
  'Besides the parameters below, any number (up to 20) of `meta.<key>=<value>` query parameters filter on message metadata: ' +
  'the metadata must hold that top-level key with that string value.';

export const routes: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/health',
    tag: 'Health',
    summary: 'Liveness and storage health',
    auth: false,
    description:
      'One storage round trip. PostgreSQL adds pool figures and migration counts. 503 when storage is unreachable: the body is the health shape and the error envelope at once.',
    success: { status: 200, schema: 'Health', description: 'Storage reachable' },
    errors: [503],
  },
  {
    method: 'post',
    path: '/api/auth/register',
    tag: 'Auth',
    summary: 'Create an account and a first session',
    auth: false,
    description:
      'Email and username are unique, compared case-insensitively (409 names the field). Answers the session token once and sets the tb_session cookie.',
    body: { name: 'RegisterBody', schema: registerBody },
    setsCookie: true,
    success: { status: 201, schema: 'SessionGrant', description: 'Registered' },
    errors: [400, 409],
  },
  {
    method: 'post',
    path: '/api/auth/login',
    tag: 'Auth',
    summary: 'Open a session (email or username)',
    auth: false,
    description:
      '`login` is an email or a username. A wrong login or password answers the same 401 either way; repeated failures for one login answer 429 with Retry-After.',
    body: { name: 'LoginBody', schema: loginBody },
    setsCookie: true,
    success: { status: 200, schema: 'SessionGrant', description: 'Logged in' },
    errors: [400, 401, 429],
  },
  {
    method: 'post',
    path: '/api/auth/logout',
    tag: 'Auth',
    summary: 'Revoke the presented session and clear the cookie',
    auth: true,
    description:
      'Revokes the session whose token authenticated this request (Bearer or cookie) and clears the cookie. API tokens are revoked with DELETE /api/tokens/{id} instead.',
    setsCookie: true,
    success: { status: 204, description: 'Logged out' },
    errors: [],
  },
  {
    method: 'get',
    path: '/api/me',
    tag: 'Account',
    summary: 'The signed-in user and their usage',
    auth: true,
    description: 'The user behind the presented credential, never with a password hash, and their usage.',
    success: { status: 200, schema: 'Me', description: 'OK' },
    errors: [],
  },
  {
    method: 'get',
    path: '/api/usage',
    tag: 'Account',
    summary: "The caller's usage and limits",
    auth: true,
    description:
      'Daily (resets 00:00 UTC) and monthly (resets 00:00 UTC on the 1st) counts of user messages against the tier limits.',
    success: { status: 200, schema: 'Usage', description: 'OK' },
    errors: [],
  },
  {
    method: 'get',
    path: '/api/tokens',
    tag: 'Tokens',
    summary: "The caller's API tokens, newest first",
    auth: true,
    description: 'Token metadata only: the plaintext is never shown again after creation.',
    success: { status: 200, schema: 'ApiTokenList', description: 'OK' },
    errors: [],
  },
  {
    method: 'post',
    path: '/api/tokens',
    tag: 'Tokens',
    summary: 'Create an API token (plaintext shown only here)',
    auth: true,
    description:
      'Without expiresInDays the token never expires. Store the returned plaintext now: only its hash is kept.',
    body: { name: 'CreateTokenBody', schema: createTokenBody },
    success: { status: 201, schema: 'CreatedApiToken', description: 'Created' },
    errors: [400],
  },
  {
    method: 'delete',
    path: '/api/tokens/{id}',
    tag: 'Tokens',
    summary: 'Revoke an API token',
    auth: true,
    description: "Another user's token answers 404 like one that does not exist.",
    success: { status: 204, description: 'Revoked' },
    errors: [404],
  },
  {
    method: 'get',
    path: '/api/conversations',
    tag: 'Conversations',
    summary: 'Conversations, newest updatedAt first',
    auth: true,
    description:
      'Keyset-paginated: pass nextCursor back as cursor. A page never repeats or skips an item when rows are inserted between requests.',
    query: listConversationsQuery,
    success: { status: 200, schema: 'ConversationPage', description: 'One page' },
    errors: [400],
  },
  {
    method: 'post',
    path: '/api/conversations',
    tag: 'Conversations',
    summary: 'Create a conversation',
    auth: true,
    description:
      'The title defaults to "New conversation". With Idempotency-Key a retry answers the first response and writes nothing; the same key with another body is 409.',
    body: { name: 'CreateConversationBody', schema: createConversationBody },
    idempotent: true,
    success: { status: 201, schema: 'Conversation', description: 'Created (or replayed)' },
    errors: [400, 409],
  },
  {
    method: 'get',
    path: conversationId,
    tag: 'Conversations',
    summary: 'A conversation with its messages, oldest first',
    auth: true,
    description: "Another user's conversation answers 404 like one that does not exist.",
    success: { status: 200, schema: 'ConversationWithMessages', description: 'OK' },
    errors: [404],
  },
  {
    method: 'patch',
    path: conversationId,
    tag: 'Conversations',
    summary: 'Rename and/or archive a conversation',
    auth: true,
    description:
      'Sets the title and/or archived (at least one) and bumps updatedAt. Archived conversations leave the default list; ?archived=true lists them.',
    body: { name: 'UpdateConversationBody', schema: updateConversationBody },
    success: { status: 200, schema: 'Conversation', description: 'Updated' },
    errors: [400, 404],
  },
  {
    method: 'delete',
    path: conversationId,
    tag: 'Conversations',
    summary: 'Delete a conversation and its messages',
    auth: true,
    description: 'Deletes the conversation and all of its messages in one transaction. Usage is not given back.',
    success: { status: 204, description: 'Deleted' },
    errors: [404],
  },
  {
    method: 'get',
    path: `${conversationId}/messages`,
    tag: 'Messages',
    summary: 'Messages, oldest first',
    auth: true,
    description: 'Keyset-paginated like every list: pass nextCursor back as cursor.',
    query: pageQuery,
    success: { status: 200, schema: 'MessagePage', description: 'One page' },
    errors: [400, 404],
  },
  {
    method: 'post',
    path: `${conversationId}/messages`,
    tag: 'Messages',
    summary: 'Append a message (role "user" counts against the quota)',
    auth: true,
    description:
      "metadata is any JSON object (default {}). Bumps the conversation's updatedAt. 429 with Retry-After when the daily or monthly limit is used up; with Idempotency-Key a retry answers the first response and counts nothing.",
    body: { name: 'AppendMessageBody', schema: appendMessageBody },
    idempotent: true,
    success: { status: 201, schema: 'Message', description: 'Appended (or replayed)' },
    errors: [400, 404, 409, 429],
  },
  // --- chat frontends (issue 12): edit, regenerate, the whole list ---
  {
    method: 'put',
    path: `${conversationId}/messages`,
    tag: 'Messages',
    summary: 'Replace the whole message list, atomically',
    auth: true,
    description:
      "Afterwards the conversation holds exactly these messages in this order: stored ones are kept (or replaced when their body changed), new ids are created after them, the rest deleted. 409 when a stored message comes after a new one or stored ones are reordered. New user messages count against the limit (all or nothing); a repeat of the same PUT changes and counts nothing. What the AI SDK's saveChat({ chatId, messages }) needs.",
    body: { name: 'ReplaceMessagesBody', schema: replaceMessagesBody },
    idempotent: true,
    success: { status: 200, schema: 'MessageList', description: 'The list as stored' },
    errors: [400, 404, 409, 429],
  },
  {
    method: 'delete',
    path: `${conversationId}/messages`,
    tag: 'Messages',
    summary: 'Delete every message after one (regenerate)',
    auth: true,
    description:
      'Query: after={messageId}. 404 when the conversation or that message is not found. Lowers messageCount, bumps updatedAt; usage is not given back.',
    query: deleteAfterQuery,
    success: { status: 204, description: 'Deleted' },
    errors: [404],
  },
  {
    method: 'put',
    path: `${conversationId}/messages/{messageId}`,
    tag: 'Messages',
    summary: 'Create or replace one message (edit)',
    auth: true,
    description:
      '201 when created (counts against the limit like a POST), 200 when it replaced the message of that id (keeps createdAt and its place, sets updatedAt, counts nothing).',
    body: { name: 'PutMessageBody', schema: putMessageBody },
    success: { status: 200, schema: 'Message', description: 'Replaced (201: created)' },
    errors: [400, 404, 429],
  },
  {
    method: 'delete',
    path: `${conversationId}/messages/{messageId}`,
    tag: 'Messages',
    summary: 'Delete one message',
    auth: true,
    description: 'Lowers messageCount and bumps updatedAt; usage is not given back.',
    success: { status: 204, description: 'Deleted' },
    errors: [404],
  },
  {
    method: 'get',
    path: '/api/search',
    tag: 'Search',
    summary: "Full-text search over the caller's messages, best first",
    auth: true,
    description: `Only the caller's own messages, archived conversations included. ${SEARCH_META}`,
    query: searchQuery,
    success: { status: 200, schema: 'SearchPage', description: 'One page' },
    errors: [400],
  },
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
  MessageList: R.MessageList,
  SearchPage: R.SearchPage,
  Error: R.Error,
  Health: R.Health,
  HealthUnavailable: R.HealthUnavailable,
};
