/**
 * Example values for docs/openapi.json: one request and one response example per operation, built
 * from a few sample resources. test/e2e/openapi.test.ts parses every response example with its
 * zod schema, so an example cannot drift from the shape it illustrates.
 */

const userId = '0b6f2c1e-4d3a-4f8e-9a51-2f7c8d9e0a1b';
const conversationId = '5f1d7a3c-2b4e-4c6d-8e9f-0a1b2c3d4e5f';
const requestId = '3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a';
const created = '2026-11-22T14:37:00.000Z';
const later = '2026-11-22T14:38:12.345Z';

export const token = 'tb_Q2hhdEhpc3RvcnlJc1doYXRXZUtlZXBIZXJlMTIzNDU2';

export const user = {
  id: userId,
  email: 'ada@example.com',
  username: 'ada',
  displayName: 'Ada',
  createdAt: created,
  lastLoginAt: later,
};

export const conversation = {
  id: conversationId,
  title: 'Trip to Lisbon',
  archived: false,
  createdAt: created,
  updatedAt: later,
  messageCount: 1,
};

export const message = {
  id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  conversationId,
  role: 'user',
  content: 'Which neighbourhood should we stay in?',
  parts: [{ type: 'text', text: 'Which neighbourhood should we stay in?' }],
  metadata: { model: 'gpt-x', client: { app: 'web', version: 3 } },
  createdAt: later,
  updatedAt: later,
};

export const apiToken = {
  id: '7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918',
  name: 'CI export job',
  prefix: token.slice(0, 8),
  createdAt: created,
  lastUsedAt: null,
  expiresAt: '2027-02-20T14:37:00.000Z',
};

const window = (used: number, limit: number, resetsAt: string) => ({ used, limit, resetsAt });
export const usage = {
  tier: 'free',
  daily: window(1, 100, '2026-11-23T00:00:00.000Z'),
  monthly: window(1, 2000, '2026-12-01T00:00:00.000Z'),
  total: 1,
};

/** Response examples by component schema name. */
export const responseExamples: Record<string, unknown> = {
  Health: {
    status: 'ok',
    storage: 'postgres',
    version: '0.1.0',
    latencyMs: 1.4,
    db: { latencyMs: 1.4, pool: { max: 3, open: 1, idle: 1, waiting: 0 } },
    migrations: { applied: 1, pending: 0 },
  },
  HealthUnavailable: {
    status: 'unavailable',
    storage: 'postgres',
    version: '0.1.0',
    error: { code: 'unavailable', message: 'Storage is unavailable.', details: [], requestId },
  },
  SessionGrant: { user, token, expiresAt: '2026-12-22T14:37:00.000Z' },
  Me: { user, usage },
  Usage: usage,
  ApiTokenList: { items: [apiToken] },
  CreatedApiToken: { token, apiToken },
  ConversationPage: { items: [conversation], nextCursor: null },
  Conversation: conversation,
  ConversationWithMessages: { ...conversation, messages: [message] },
  MessagePage: { items: [message], nextCursor: null },
  MessageList: { items: [message] },
  Message: message,
  SearchPage: {
    items: [{ message, conversationTitle: conversation.title, snippet: 'Which neighbourhood should we stay in?' }],
    nextCursor: null,
  },
};

/** Request body examples by component schema name. */
export const requestExamples: Record<string, unknown> = {
  RegisterBody: { email: 'ada@example.com', username: 'ada', password: 'correct horse battery', displayName: 'Ada' },
  LoginBody: { login: 'ada', password: 'correct horse battery' },
  CreateTokenBody: { name: 'CI export job', expiresInDays: 90 },
  CreateConversationBody: { title: 'Trip to Lisbon' },
  UpdateConversationBody: { title: 'Lisbon, May', archived: true },
  AppendMessageBody: {
    id: 'msg-1',
    role: 'user',
    parts: [{ type: 'text', text: 'Which neighbourhood should we stay in?' }],
    metadata: { model: 'gpt-x' },
  },
  PutMessageBody: { role: 'user', parts: [{ type: 'text', text: 'Which neighbourhood is quietest?' }] },
  ReplaceMessagesBody: {
    messages: [
      { id: 'msg-1', role: 'user', parts: [{ type: 'text', text: 'Which neighbourhood should we stay in?' }] },
      { id: 'msg-2', role: 'assistant', parts: [{ type: 'text', text: 'Alfama, for the views.' }] },
    ],
  },
};

/** One error envelope example per status (the `details` shapes of API.md). */
export function errorExample(
  code: string,
  message: string,
  details: { path: string; message: string }[] = [],
): unknown {
  return { error: { code, message, details, requestId } };
}
