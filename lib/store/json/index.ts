/**
 * The JSON-file Store: DESIGN.md's on-disk format version 2 in a data directory, safe for
 * several processes on one directory (lock file + atomic, fsynced writes). The fallback when
 * DATABASE_URL is not set. With `readOnly` (Vercel) writes are refused with a configuration
 * error rather than silently lost; on a full disk or a read-only filesystem reads keep working and
 * writes answer 503 until the fault clears (file-faults.ts); health reports it (health.ts).
 */
import type { Store } from '../types.js';
import { createCatalog } from './catalog.js';
import { journalPath } from './change-journal.js';
import { DEFAULT_MAX_CONVERSATION_BYTES } from './conversation-commit.js';
import * as collections from './collections.js';
import * as conversations from './conversations.js';
import { openDataDir, type DataDirOptions } from './data-dir.js';
import { jsonHealth } from './health.js';
import * as messages from './messages.js';
import { searchMessages } from './search.js';
import * as usage from './usage-rules.js';

export interface JsonStoreOptions extends DataDirOptions {
  /** Per-conversation size limit in bytes (JSON_STORE_MAX_CONVERSATION_MB; default 8 MiB). */
  maxConversationBytes?: number;
  /** Memory budget of parsed conversations kept for search, in file bytes (JSON_STORE_CACHE_MB; default 64 MiB). */
  cacheBytes?: number;
}

export function createJsonStore(options: JsonStoreOptions): Store {
  const data = openDataDir(options);
  const files: conversations.ConversationFiles = {
    data,
    catalog: createCatalog(data.conversationsDir, journalPath(data.dir), options.cacheBytes),
    maxConversationBytes: options.maxConversationBytes ?? DEFAULT_MAX_CONVERSATION_BYTES,
  };

  return {
    kind: 'json',
    createUser: (user, session) => collections.createUser(data, user, session),
    getUserById: (id) => collections.getUserById(data, id),
    findUserByEmail: (email) => collections.findUser(data, 'email', email),
    findUserByUsername: (username) => collections.findUser(data, 'username', username),
    findUserByLogin: (login) => collections.findUser(data, 'login', login),
    recordLogin: (userId, at) => collections.recordLogin(data, userId, at),

    createSession: (session) => collections.createSession(data, session),
    revokeSession: (userId, id) => collections.revokeSession(data, userId, id),
    createApiToken: (token) => collections.createApiToken(data, token),
    listApiTokens: (userId) => collections.listApiTokens(data, userId),
    revokeApiToken: (userId, id) => collections.revokeApiToken(data, userId, id),
    findCredential: (tokenHash, now) => collections.findCredential(data, tokenHash, now),
    touchCredential: (kind, id, at, minIntervalMs) => collections.touchCredential(data, kind, id, at, minIntervalMs),

    createConversation: (conversation, idempotency) =>
      conversations.createConversation(files, conversation, idempotency),
    getConversation: (userId, id) => conversations.getConversation(files, userId, id),
    listConversations: (userId, page, filter) => conversations.listConversations(files, userId, page, filter),
    updateConversation: (userId, id, changes, at) => conversations.updateConversation(files, userId, id, changes, at),
    deleteConversation: (userId, id) => conversations.deleteConversation(files, userId, id),
    appendMessage: (userId, message, opts) => messages.appendMessage(files, userId, message, opts),
    putMessage: (userId, message, opts) => messages.putMessage(files, userId, message, opts),
    deleteMessage: (userId, id, messageId, at) => messages.deleteMessage(files, userId, id, messageId, at),
    deleteMessagesAfter: (userId, id, messageId, at) => messages.deleteMessagesAfter(files, userId, id, messageId, at),
    replaceMessages: (userId, id, list, opts) => messages.replaceMessages(files, userId, id, list, opts),
    listMessages: (userId, conversationId, page) => messages.listMessages(files, userId, conversationId, page),

    searchMessages: (query, page) => searchMessages(files, query, page),

    getUsage: (userId, now) => usage.getUsage(data, userId, now),
    consumeUsage: (userId, limits, now) => usage.consumeUsage(data, userId, limits, now),
    setTier: (userId, tier) => usage.setTier(data, userId, tier),

    getLoginLock: (loginKey, now) => collections.getLoginLock(data, loginKey, now),
    recordLoginFailure: (loginKey, now, policy) => collections.recordLoginFailure(data, loginKey, now, policy),
    clearLoginFailures: (loginKey) => collections.clearLoginFailures(data, loginKey),

    health: () => jsonHealth(data.dir, data.readOnly),
    // No handle stays open between calls; closing only waits for queued writes to finish.
    close: () => data.drain(),
  };
}
